/** The part of Electron's `app` the quit sequence uses. */
export interface QuittingApp {
  on(event: 'before-quit' | 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

/**
 * Holds the quit until `close` has finished: the backend cancels its runs cooperatively, so a
 * worker never dies in the middle of a GPU readback (WebGPU) or a SQLite write. Both events are
 * guarded, since a quit does not always pass through `before-quit` first. Once closed, the quit
 * is asked for again and goes through.
 */
export function closeBeforeQuit(app: QuittingApp, close: () => Promise<void>, onError: (error: unknown) => void): void {
  let state: 'open' | 'closing' | 'closed' = 'open';
  const hold = (event: { preventDefault(): void }) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    close()
      .catch(onError)
      .finally(() => {
        state = 'closed';
        app.quit();
      });
  };
  app.on('before-quit', hold);
  app.on('will-quit', hold);
}
