import { describe, expect, it } from 'vitest';
import { isOwnPage, isTrustedSender } from '../../src-main/shell/sender';

const FILE_PAGE = 'file:///opt/Temper/resources/app.asar/out/renderer/index.html';
const contents = { id: 1 };
const topFrame = (url: string) => ({ parent: null, url });

describe('isOwnPage', () => {
  it('accepts our bundled page with any hash route, and no other file', () => {
    expect(isOwnPage(`${FILE_PAGE}#/runs/3`, FILE_PAGE)).toBe(true);
    expect(isOwnPage('file:///tmp/evil.html', FILE_PAGE)).toBe(false);
    expect(isOwnPage('https://example.org/', FILE_PAGE)).toBe(false);
  });

  it('accepts the dev server origin only', () => {
    expect(isOwnPage('http://localhost:5173/#/new', 'http://localhost:5173')).toBe(true);
    expect(isOwnPage('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isOwnPage('not a url', 'http://localhost:5173')).toBe(false);
  });
});

describe('isTrustedSender', () => {
  it('accepts the top frame of our window showing our page', () => {
    expect(isTrustedSender({ sender: contents, senderFrame: topFrame(FILE_PAGE) }, contents, FILE_PAGE)).toBe(true);
  });

  it('refuses a subframe, another window, a gone frame, another page, and calls before the window exists', () => {
    const subframe = { parent: topFrame(FILE_PAGE), url: FILE_PAGE };
    expect(isTrustedSender({ sender: contents, senderFrame: subframe }, contents, FILE_PAGE)).toBe(false);
    expect(isTrustedSender({ sender: { id: 2 }, senderFrame: topFrame(FILE_PAGE) }, contents, FILE_PAGE)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: null }, contents, FILE_PAGE)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: topFrame('https://example.org/') }, contents, FILE_PAGE)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: topFrame(FILE_PAGE) }, undefined, FILE_PAGE)).toBe(false);
  });
});
