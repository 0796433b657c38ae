/// <reference types="vite/client" />

declare module '*.svelte' {
  import type { Component } from 'svelte';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const component: Component<any>;
  export default component;
}

/** Native helpers the Electron preload may add beside `window.temper`; absent in a browser. */
interface TemperNative {
  /** Opens the system folder picker; null when the user cancels. */
  pickFolder?(): Promise<string | null>;
  /** Shows a file or folder in the system file manager. */
  revealPath?(path: string): Promise<void> | void;
}

interface Window {
  temper?: import('./lib/api').TemperClient;
  temperNative?: TemperNative;
}
