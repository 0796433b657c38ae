import { registerOneDnnBackend } from '../../src-main/engine/onednn';

/**
 * Whether the oneDNN backend is built here; its tests skip where it is not. CI installs oneDNN
 * and builds the addon, so there a missing addon is a failure, not a skip.
 */
function oneDnnBuilt(): boolean {
  try {
    registerOneDnnBackend(2);
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`CI must build the oneDNN addon: ${(error as Error).message}`);
    return false;
  }
}

export const ONEDNN_BUILT = oneDnnBuilt();

/** 'onednn' where it is built, for test.each lists of CPU backends. */
export const ONEDNN_IF_BUILT: string[] = ONEDNN_BUILT ? ['onednn'] : [];
