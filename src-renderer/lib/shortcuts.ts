/**
 * The keyboard shortcuts of the Electron menu (src-main/shell/menu.ts), for the browser. There,
 * Ctrl/Cmd+1…5 and Ctrl/Cmd+N are the browser's own (tabs, new window) and never reach the page,
 * so Alt+1…5 and Alt+N do the same; Ctrl/Cmd still works where the browser lets it through.
 */

/** The menu's order: CmdOrCtrl+1 is Datasets ... CmdOrCtrl+5 Settings. */
const VIEW_KEYS: Record<string, string> = { '1': '#/datasets', '2': '#/runs', '3': '#/new', '4': '#/compare', '5': '#/settings', n: '#/new' };

/** The view a key press asks for, or null. */
export function shortcutHash(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): string | null {
  const modifier = e.altKey ? !(e.ctrlKey || e.metaKey) : e.ctrlKey || e.metaKey;
  if (!modifier || e.shiftKey) return null;
  return VIEW_KEYS[e.key.toLowerCase()] ?? null;
}

/** Listens in web mode only: in Electron the menu's accelerators already switch views. */
export function startWebShortcuts(navigate: (hash: string) => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    const hash = shortcutHash(e);
    if (!hash) return;
    e.preventDefault();
    navigate(hash);
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
