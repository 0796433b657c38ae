import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../shared/api';
import DatasetsView from '../../src-renderer/views/datasets/DatasetsView.svelte';
import { fakeClient } from './fake-client';

const demo: DatasetInfo = {
  name: 'demo',
  format: 'image-folder',
  source: '/home/u/.temper/demo',
  shape: [28, 28, 1],
  classes: ['a', 'b', 'c'],
  splits: { train: { count: 600, perClass: [200, 200, 200] }, test: { count: 150, perClass: [50, 50, 50] } },
  contentHash: 'h1',
  createdAt: '2025-01-31T00:00:00Z',
  skipped: [],
};

describe('Datasets view', () => {
  afterEach(() => {
    cleanup();
    delete window.temperNative;
  });

  it('creates the demo dataset in one click and lists it with counts, balance and thumbnail', async () => {
    let sets: DatasetInfo[] = [];
    const client = fakeClient({
      listDatasets: async () => sets,
      createDemoDataset: async () => ((sets = [demo]), demo),
      datasetThumbnails: async () => 'data:image/png;base64,AAAA',
    });
    render(DatasetsView, { props: { client } });
    expect(await screen.findByText(/No datasets yet/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Create demo dataset' }));
    expect(await screen.findByRole('heading', { name: 'demo' })).toBeTruthy();
    expect(client.createDemoDataset).toHaveBeenCalledWith();
    expect(screen.getByText('image-folder · 28×28×1 · 3 classes')).toBeTruthy();
    expect(screen.getByText('600')).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Class balance: balanced: 200 per class' })).toBeTruthy();
    expect(((await screen.findByAltText('Sample images of demo')) as HTMLImageElement).src).toBe('data:image/png;base64,AAAA');
  });

  it('imports a folder by path, with progress from dataset-import events, and shows a failure clearly', async () => {
    let finish: (d: DatasetInfo) => void = () => {};
    let attempt = 0;
    const client = fakeClient({
      listDatasets: async () => [],
      importDataset: () => {
        attempt++;
        if (attempt === 1) return Promise.reject(new Error("/data/x: no images found (expected IDX, CIFAR binary or class folders)"));
        return new Promise<DatasetInfo>((resolve) => (finish = resolve));
      },
    });
    render(DatasetsView, { props: { client } });
    expect(screen.queryByRole('button', { name: 'Browse…' })).toBeNull();
    await fireEvent.input(screen.getByLabelText('Folder or archive path'), { target: { value: '/data/x' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Import failed: \/data\/x: no images found/);

    await fireEvent.change(screen.getByLabelText('Format'), { target: { value: 'idx' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(client.importDataset).toHaveBeenLastCalledWith({ source: '/data/x', format: 'idx' });
    client.emit({ type: 'dataset-import', source: '/data/x', done: 30, total: 120, what: 'decoding' });
    const bar = (await screen.findByRole('progressbar', { name: 'Import progress' })) as HTMLProgressElement;
    await waitFor(() => expect(bar.value).toBe(30));
    expect(screen.getByText('decoding 30/120')).toBeTruthy();
    finish({ ...demo, name: 'x', skipped: [{ file: 'a.txt', reason: 'not an image' }] });
    expect(await screen.findByText('Imported x: 600 training images; 1 files skipped.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('names the Name field and its rule for a bad dataset name, before anything is sent', async () => {
    const client = fakeClient({ listDatasets: async () => [], importDataset: async () => demo });
    render(DatasetsView, { props: { client } });
    await fireEvent.input(screen.getByLabelText('Folder or archive path'), { target: { value: '/data/x' } });
    await fireEvent.input(screen.getByLabelText('Name (optional)'), { target: { value: 'my data!' } });
    expect((await screen.findByRole('alert')).textContent).toBe("Name: expected 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    expect(screen.getByLabelText('Name (optional)').getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Import' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.submit(screen.getByRole('button', { name: 'Import' }).closest('form')!);
    expect(client.importDataset).not.toHaveBeenCalled();
    await fireEvent.input(screen.getByLabelText('Name (optional)'), { target: { value: 'my-data' } });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('offers Browse… where Electron gives a folder picker, and fills the path from it', async () => {
    window.temperNative = { pickFolder: async () => '/picked/folder' };
    render(DatasetsView, { props: { client: fakeClient({ listDatasets: async () => [] }) } });
    await fireEvent.click(screen.getByRole('button', { name: 'Browse…' }));
    await waitFor(() => expect((screen.getByLabelText('Folder or archive path') as HTMLInputElement).value).toBe('/picked/folder'));
  });
});
