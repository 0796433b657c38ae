import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CHANNELS, EVENT_CHANNEL, type TemperEvent } from '../../shared/api';
import { openApiService, type ApiService } from '../../src-main/services/api-service';
import { forwardEvents, registerApiHandlers } from '../../src-main/shell/api-handlers';
import { isTrustedSender, type SenderEvent } from '../../src-main/shell/sender';
import { writeIdxFolder } from '../helpers/idx-folder';
import { FakeIpcMain, mainFrameEvent, ourContents, PAGE, subframeEvent } from './fake-ipc';

let tmp: string;
let backend: ApiService;
const ipc = new FakeIpcMain();
let removeHandlers: () => void;
const fromOurWindow = (event: SenderEvent) => isTrustedSender(event, ourContents, PAGE);

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-shell-'));
  backend = await openApiService(path.join(tmp, 'home'), { shell: 'electron' });
  removeHandlers = registerApiHandlers(ipc, backend, fromOurWindow);
});

afterAll(async () => {
  await backend?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('API handlers', () => {
  it('register one handler per TemperApi call, on its channel', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(Object.values(API_CHANNELS).sort());
  });

  it('answer a call from our window through the backend', async () => {
    const info = await ipc.invoke(API_CHANNELS.appInfo, mainFrameEvent);
    expect(info).toMatchObject({ shell: 'electron', home: path.join(tmp, 'home') });
    const settings = await ipc.invoke(API_CHANNELS.updateSettings, mainFrameEvent, { cpuWorkers: 3 });
    expect(settings).toMatchObject({ cpuWorkers: 3 });
  });

  it('refuse a call from another frame, leaving the store unchanged', async () => {
    const before = await backend.getSettings();
    await expect(ipc.invoke(API_CHANNELS.updateSettings, subframeEvent, { cpuWorkers: 7 })).rejects.toThrow(
      "temper:update-settings: refused a call that did not come from Temper's own window",
    );
    const otherWindow = { sender: { id: 2 }, senderFrame: { parent: null, url: PAGE } };
    await expect(ipc.invoke(API_CHANNELS.updateSettings, otherWindow, { cpuWorkers: 7 })).rejects.toThrow(/refused/);
    expect(await backend.getSettings()).toEqual(before);
  });

  it('refuse a name or folder that leaves the data folder before anything is written', async () => {
    const before = fs.readdirSync(tmp).sort();
    await expect(ipc.invoke(API_CHANNELS.createDemoDataset, mainFrameEvent, '../../x')).rejects.toThrow(/^createDemoDataset: argument 0: expected 1 to 64 letters/);
    await expect(ipc.invoke(API_CHANNELS.importDataset, mainFrameEvent, { source: tmp, name: '../x' })).rejects.toThrow(/argument 0\.name: expected 1 to 64/);
    await expect(ipc.invoke(API_CHANNELS.exportRun, mainFrameEvent, 1, '/tmp/elsewhere')).rejects.toThrow(/export folder '\/tmp\/elsewhere' is outside the data folder/);
    // The backend itself refuses too, for callers that skip the handlers.
    await expect(backend.createDemoDataset('../../x')).rejects.toThrow(/invalid dataset name '..\/..\/x'/);
    expect(fs.readdirSync(tmp).sort()).toEqual(before);
    expect(fs.existsSync(path.join(tmp, 'home', 'sources'))).toBe(false);
  });

  it('refuse invalid arguments with the field and the reason, before the backend sees them', async () => {
    const before = await backend.getSettings();
    await expect(ipc.invoke(API_CHANNELS.updateSettings, mainFrameEvent, { cpuWorkers: 0 })).rejects.toThrow(
      /^updateSettings: argument 0\.cpuWorkers: /,
    );
    await expect(ipc.invoke(API_CHANNELS.updateSettings, mainFrameEvent, { cpuWorkers: 2, evil: true })).rejects.toThrow(/evil/);
    expect(await backend.getSettings()).toEqual(before);

    await expect(ipc.invoke(API_CHANNELS.startRun, mainFrameEvent, { config: {}, dataset: '' })).rejects.toThrow(/^startRun: argument 0\.dataset: /);
    await expect(ipc.invoke(API_CHANNELS.getRun, mainFrameEvent, '1; DROP TABLE runs')).rejects.toThrow(/^getRun: argument 0: /);
    await expect(ipc.invoke(API_CHANNELS.exportRun, mainFrameEvent, 1, null, 'tflite')).rejects.toThrow(/^exportRun: argument 2: /);
    // A valid ONNX export request (no out path, as JSON sends it) reaches the backend.
    await expect(ipc.invoke(API_CHANNELS.exportRun, mainFrameEvent, 1, null, 'onnx')).rejects.toThrow('no run 1');
    expect((await backend.listRuns({})).total).toBe(0);
  });

  it('can be removed', () => {
    removeHandlers();
    expect(ipc.handlers.size).toBe(0);
    removeHandlers = registerApiHandlers(ipc, backend, fromOurWindow);
  });
});

describe('event forwarding', () => {
  it("sends the backend's events to the window on EVENT_CHANNEL while it exists", async () => {
    const digits = path.join(tmp, 'digits');
    writeIdxFolder(digits, { train: 30, test: 10, classes: 3 });
    const sent: [string, TemperEvent][] = [];
    let destroyed = false;
    const contents = { send: (channel: string, event: TemperEvent) => sent.push([channel, event]), isDestroyed: () => destroyed };
    const stop = forwardEvents((listener) => backend.onEvent(listener), () => contents, EVENT_CHANNEL);

    await ipc.invoke(API_CHANNELS.importDataset, mainFrameEvent, { source: digits, name: 'digits' });
    expect(sent.every(([channel]) => channel === EVENT_CHANNEL)).toBe(true);
    expect(sent.map(([, event]) => event.type)).toContain('dataset-import');
    expect(sent.at(-1)).toEqual([EVENT_CHANNEL, { type: 'datasets-changed' }]);

    const count = sent.length;
    destroyed = true;
    await ipc.invoke(API_CHANNELS.removeDataset, mainFrameEvent, 'digits');
    expect(sent).toHaveLength(count);
    stop();
  });
});
