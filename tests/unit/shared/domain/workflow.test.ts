import { describe, expect, it } from 'vitest';
import { RESOURCE_STATES } from '@shared/domain/resources';
import { ROLES } from '@shared/domain/users';
import {
  allowedActions,
  isSelfApproval,
  nextState,
  systemNextState,
  WORKFLOW_ACTIONS,
} from '@shared/domain/workflow';

describe('resource workflow', () => {
  it('walks the happy path of DESIGN §1', () => {
    let s = nextState('reported', 'capture_succeeded', 'investigator');
    expect(s).toBe('captured');
    s = nextState('captured', 'request_review', 'investigator');
    expect(s).toBe('in_review');
    s = nextState('in_review', 'approve', 'reviewer');
    expect(s).toBe('approved');
    s = nextState('approved', 'mark_blocked', 'investigator');
    expect(s).toBe('blocked');
    expect(nextState('blocked', 'verify_blocked', 'investigator')).toBe('block_verified');
  });

  it('lets only reviewers decide', () => {
    for (const role of ROLES) {
      expect(nextState('in_review', 'approve', role) !== null).toBe(role === 'reviewer');
    }
  });

  it('refuses decisions on resources that have no evidence yet', () => {
    expect(nextState('reported', 'approve', 'reviewer')).toBeNull();
    expect(nextState('capture_failed', 'approve', 'reviewer')).toBeNull();
  });

  it('lets a reviewer revise a final decision, but never a block', () => {
    for (const from of ['approved', 'rejected'] as const) {
      expect(nextState(from, 'approve', 'reviewer')).toBe('approved');
      expect(nextState(from, 'reject', 'reviewer')).toBe('rejected');
      expect(nextState(from, 'request_recapture', 'reviewer')).toBe('needs_recapture');
      for (const role of ['investigator', 'admin'] as const)
        expect(nextState(from, 'reject', role)).toBeNull();
    }
    // Once blocked, a reviewer can only lift the block (with a signed appeal decision).
    for (const from of ['blocked', 'block_verified'] as const)
      expect(allowedActions(from, 'reviewer')).toEqual(['lift']);
    // Re-deciding is a reviewer's act; the re-capture that shows a block works stays an investigator's.
    expect(allowedActions('approved', 'reviewer')).toEqual([
      'approve',
      'reject',
      'request_recapture',
      'lift',
    ]);
    expect(allowedActions('approved', 'investigator')).toEqual(['capture', 'mark_blocked']);
  });

  it('lets only a reviewer lift a measure, and a lifted resource is final', () => {
    for (const from of ['approved', 'blocked', 'block_verified'] as const) {
      expect(nextState(from, 'lift', 'reviewer')).toBe('lifted');
      for (const role of ['investigator', 'admin'] as const) expect(nextState(from, 'lift', role)).toBeNull();
    }
    for (const from of ['reported', 'captured', 'in_review', 'rejected'] as const)
      expect(nextState(from, 'lift', 'reviewer')).toBeNull();
    expect(allowedActions('lifted', 'reviewer')).toEqual([]);
  });

  it('a reviewer asking for a re-capture puts the resource back for capture', () => {
    expect(nextState('in_review', 'request_recapture', 'reviewer')).toBe('needs_recapture');
    expect(allowedActions('needs_recapture', 'investigator')).toContain('capture');
  });

  it('every state has a defined answer for every action and role', () => {
    for (const state of RESOURCE_STATES)
      for (const role of ROLES)
        for (const action of WORKFLOW_ACTIONS) {
          const next = nextState(state, action, role);
          expect(next === null || RESOURCE_STATES.includes(next)).toBe(true);
        }
  });

  it("sends a re-appeared resource back to review by itself, never on a user's request", () => {
    for (const from of ['approved', 'blocked', 'block_verified'] as const) {
      expect(systemNextState(from, 'reopen')).toBe('in_review');
      for (const role of ROLES) expect(nextState(from, 'reopen', role)).toBeNull();
    }
    for (const from of ['lifted', 'in_review', 'captured', 'rejected', 'reported'] as const)
      expect(systemNextState(from, 'reopen')).toBeNull();
    // Users' actions are not the system's to take.
    expect(systemNextState('in_review', 'approve')).toBeNull();
    for (const state of RESOURCE_STATES)
      for (const role of ROLES) expect(allowedActions(state, role)).not.toContain('reopen');
  });

  it('detects self-approval', () => {
    expect(isSelfApproval('ivan', ['ivan', 'olga'])).toBe(true);
    expect(isSelfApproval('rita', ['ivan'])).toBe(false);
  });
});
