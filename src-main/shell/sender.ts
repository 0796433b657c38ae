/**
 * Who may call the main process: only the top frame of our own window, showing our own page
 * (the bundled index.html, or the dev server in development). A subframe, another window, or
 * our window after it somehow navigated elsewhere is refused.
 */

/** The parts of Electron's IpcMainInvokeEvent the check reads. */
export interface SenderEvent {
  sender: unknown;
  senderFrame: { parent: unknown; url: string } | null;
}

/** Whether `url` is our renderer page: the same file for file:// loads, the same origin otherwise. */
export function isOwnPage(url: string, rendererUrl: string): boolean {
  let page: URL;
  let own: URL;
  try {
    page = new URL(url);
    own = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (own.protocol === 'file:') return page.protocol === 'file:' && page.host === own.host && page.pathname === own.pathname;
  return page.origin === own.origin;
}

/** Whether an IPC call came from the top frame of `contents` (our window) showing our page. */
export function isTrustedSender(event: SenderEvent, contents: unknown, rendererUrl: string): boolean {
  const frame = event.senderFrame;
  if (!contents || event.sender !== contents || !frame) return false;
  return frame.parent === null && isOwnPage(frame.url, rendererUrl);
}

export class UntrustedSenderError extends Error {
  constructor(channel: string) {
    super(`${channel}: refused a call that did not come from Temper's own window`);
  }
}
