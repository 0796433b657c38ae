/**
 * A full disk or a read-only data folder, in words a user can act on. SQLite reports them as
 * SQLITE_FULL / SQLITE_READONLY, Node as ENOSPC / EROFS / EACCES; other errors come back unchanged.
 */
export function explainStorageError(error: unknown, home: string): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new Error(`the disk holding the data folder ${home} is full (${code}): nothing stored was lost; free some space and try again (an interrupted run resumes with temper runs resume)`);
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new Error(`the data folder ${home} is not writable (${code}): ${err.message.split('\n')[0]}`);
  }
  return err;
}
