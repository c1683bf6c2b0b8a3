import { basename, join } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import { resolveWirePath } from '../bundle/wire-paths';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** A download is offered for files up to this size; larger ones are only written to exports/. */
const DOWNLOAD_MAX_CHARS = 32 * 1024 * 1024;

const MEDIA_TYPE = { stix: 'application/stix+json;version=2.1', csv: 'text/csv;charset=utf-8' } as const;
const EXTENSION = { stix: 'json', csv: 'csv' } as const;

/**
 * Indicators and networks: reads (extraction happens after capture and in `vigil indicators
 * reextract`), the decision draft, and the export, whose path comes from the wire and is therefore
 * held to the wire rules (inside exports/, or granted by the desktop dialog).
 */
export function createIndicatorsHandlers(
  deps: Pick<HandlerDeps, 'indicators' | 'ws'>,
): HandlersOf<'indicators'> {
  const { indicators, ws } = deps;
  return {
    'indicators.ofResource': (input) => indicators.ofResource(input.resourceId),
    'indicators.holders': (input) => indicators.holders(input.type, input.value),
    'indicators.network': (input) => indicators.network(input.resourceId),
    'indicators.suggestDecision': (input) => indicators.suggestDecision(input.resourceId, input.language),
    'indicators.intakeHints': (input) =>
      input.url !== undefined
        ? indicators.reportHints(input.resourceId, input.url)
        : indicators.intakeHints(input.resourceId),
    'indicators.intakeSummary': (input) => indicators.intakeSummary(input.reports),
    'indicators.counts': (input) => indicators.counts(input.resourceIds),
    'indicators.export': async (input, { user, call }) => {
      const ids = input.resourceIds ?? [];
      if ((input.caseRef === undefined) === (ids.length === 0))
        throw new AppError('input.invalid', 'give either a case reference or one or more resource ids');
      // A default name that says what is in it and never collides within a second.
      const stamp = ws.clock().toISOString().replace(/[:.]/g, '-');
      const what =
        input.caseRef !== undefined
          ? `case-${input.caseRef.replace(/[^\w-]/g, '_')}`
          : `${ids.length}-resources`;
      const given = input.outPath?.trim() ?? '';
      const file =
        given === ''
          ? join(ws.paths.exports, `indicators-${what}-${stamp}.${EXTENSION[input.format]}`)
          : resolveWirePath(
              {
                exportsDir: ws.paths.exports,
                ...(call?.grantedPaths !== undefined ? { granted: call.grantedPaths } : {}),
              },
              given,
              'write',
            );
      const result = await indicators.exportTo(
        input.caseRef !== undefined ? { caseRef: input.caseRef } : { resourceIds: ids },
        input.format,
        file,
        { actor: user.name },
      );
      return {
        path: result.path,
        fileName: basename(result.path),
        mediaType: MEDIA_TYPE[input.format],
        resources: result.resources,
        indicators: result.indicators,
        occurrences: result.occurrences,
        content: result.text.length <= DOWNLOAD_MAX_CHARS ? result.text : null,
      };
    },
  };
}
