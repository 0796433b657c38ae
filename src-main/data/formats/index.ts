import { accessSync, constants, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { basename } from 'node:path';
import { DatasetError, type DatasetFormat, type DecodedDataset, type ProgressFn } from '../dataset';
import { readCifar } from './cifar';
import { readIdx } from './idx';
import { readImageFolder } from './image-folder';

/** Telling a dataset's format from what is on disk, and reading it with the right reader. */

export interface ReadOptions {
  /** Skip detection. */
  format?: DatasetFormat;
  /** CIFAR-100: fine (100 classes, the default) or coarse (20 superclasses). */
  cifar100Labels?: 'fine' | 'coarse';
  /** Image folders: output size, resize fit, channels and strictness (see readImageFolder). */
  size?: [number, number];
  fit?: 'crop' | 'pad';
  channels?: 1 | 3;
  strict?: boolean;
}

const IDX_MARKERS = ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'].flatMap((name) => [name, `${name}.gz`]);
const LOOKED_FOR =
  'train-images-idx3-ubyte[.gz] (IDX), data_batch_1.bin or cifar-10-batches-bin/ (CIFAR-10), ' +
  'train.bin or cifar-100-binary/ (CIFAR-100), class subfolders or train/<class>/ (image folder), ' +
  'or a CIFAR .tar.gz archive';

/** The format of a dataset folder or archive, from names alone (contents are checked by the reader). */
export function detectFormat(source: string): DatasetFormat {
  const info = checkReadable(source);
  if (info.isFile()) {
    const name = basename(source).toLowerCase();
    if (!name.endsWith('.tar.gz') && !name.endsWith('.tgz')) {
      throw new DatasetError(source, `is a file; expected a dataset folder or a CIFAR .tar.gz archive. Looked for ${LOOKED_FOR}`);
    }
    // The archive's entries decide for real; readCifar reads either.
    return name.includes('cifar-100') ? 'cifar100' : 'cifar10';
  }

  const entries = readdirSync(source, { withFileTypes: true });
  const has = (name: string) => entries.some((e) => e.name === name);
  const hasFolder = (name: string) => entries.some((e) => e.name === name && e.isDirectory());
  if (IDX_MARKERS.some(has)) return 'idx';
  if (has('data_batch_1.bin') || hasFolder('cifar-10-batches-bin')) return 'cifar10';
  if (has('train.bin') || hasFolder('cifar-100-binary')) return 'cifar100';
  if (hasFolder('cifar-10-batches-py') || hasFolder('cifar-100-python')) {
    throw new DatasetError(source, 'holds the Python version of CIFAR; Temper reads the binary version (cifar-10-binary.tar.gz, cifar-100-binary.tar.gz)');
  }
  if (entries.some(isVisibleFolder)) return 'image-folder';
  throw new DatasetError(source, `is not a dataset Temper can read: looked for ${LOOKED_FOR}`);
}

/** Reads a dataset with the reader for its format (detected unless given). */
export async function readDataset(source: string, options: ReadOptions = {}, onProgress?: ProgressFn): Promise<DecodedDataset> {
  checkReadable(source);
  const format = options.format ?? detectFormat(source);
  switch (format) {
    case 'idx':
      return readIdx(source, onProgress);
    case 'cifar10':
    case 'cifar100': {
      const dataset = await readCifar(source, { labels: options.cifar100Labels ?? 'fine' }, onProgress);
      if (options.format && dataset.format !== options.format) {
        throw new DatasetError(source, `holds ${dataset.format}, but the format asked for is ${options.format}`);
      }
      return dataset;
    }
    case 'image-folder':
      return readImageFolder(
        source,
        { size: options.size, fit: options.fit, channels: options.channels, strict: options.strict },
        onProgress,
      );
  }
}

/** Stat of a path that exists and can be read, or a DatasetError naming it. */
function checkReadable(source: string): Stats {
  let info: Stats;
  try {
    info = statSync(source);
  } catch {
    throw new DatasetError(source, 'does not exist');
  }
  try {
    accessSync(source, info.isDirectory() ? constants.R_OK | constants.X_OK : constants.R_OK);
  } catch {
    throw new DatasetError(source, 'cannot be read (permission denied)');
  }
  return info;
}

function isVisibleFolder(entry: Dirent): boolean {
  return entry.isDirectory() && !entry.name.startsWith('.');
}
