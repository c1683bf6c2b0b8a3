/**
 * What the transport knows about one call that the contract input does not carry: whether its
 * client is still there, and which paths the desktop's own dialogs handed to that window. Set by
 * the transport (HTTP bridge, desktop IPC), never by the caller's input.
 */
export type CallInfo = Readonly<{
  /** Aborts when the client goes away (the HTTP request closed, the window was destroyed). */
  signal?: AbortSignal;
  /** Absolute paths the desktop file dialog returned to this window (DESIGN §9: nothing else from the wire). */
  grantedPaths?: ReadonlySet<string>;
  /** Overall deadline of a long operation (bundle verify, import, export); a default applies when absent. */
  deadlineMs?: number;
}>;
