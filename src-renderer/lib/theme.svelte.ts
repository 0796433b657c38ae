/** Dark or light, following the OS (prefers-color-scheme); CSS does the styling, charts read this to recolour. */
export const theme = $state({ dark: false });

export function startThemeWatch(): () => void {
  if (typeof window.matchMedia !== 'function') return () => {};
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const read = () => (theme.dark = query.matches);
  read();
  query.addEventListener('change', read);
  return () => query.removeEventListener('change', read);
}
