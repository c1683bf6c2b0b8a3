import { describe, expect, it } from 'vitest';
import type { User } from '@shared/domain/users';
import { isDesktopMethod, runDesktopMethod } from '@main/desktop-methods';
import { menuTemplate } from '@main/menu';
import { isMethodName } from '@shared/contract/index';

const dialogs = {
  chooseExportFolder: () => Promise.resolve('/home/a/exports/case-7'),
  chooseBundleFile: () => Promise.resolve(null),
};

describe('desktop-only methods', () => {
  it('do not shadow any contract method', () => {
    expect(isDesktopMethod('desktop.chooseExportFolder')).toBe(true);
    expect(isDesktopMethod('desktop.chooseBundleFile')).toBe(true);
    expect(isMethodName('desktop.chooseExportFolder')).toBe(false);
    expect(isDesktopMethod('bundle.import')).toBe(false);
  });

  it('answer a signed-in window with the chosen path, or null when cancelled', async () => {
    const session = { user: { name: 'ana', role: 'investigator' } as unknown as User };
    await expect(runDesktopMethod('desktop.chooseExportFolder', session, dialogs)).resolves.toEqual({
      ok: true,
      value: { path: '/home/a/exports/case-7' },
    });
    await expect(runDesktopMethod('desktop.chooseBundleFile', session, dialogs)).resolves.toEqual({
      ok: true,
      value: { path: null },
    });
  });

  it('open no dialog before sign-in', async () => {
    let opened = 0;
    const counting = {
      chooseExportFolder: (): Promise<string | null> => {
        opened += 1;
        return Promise.resolve(null);
      },
      chooseBundleFile: (): Promise<string | null> => {
        opened += 1;
        return Promise.resolve(null);
      },
    };
    await expect(
      runDesktopMethod('desktop.chooseExportFolder', { user: null }, counting),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'auth.not-signed-in' },
    });
    await expect(
      runDesktopMethod('desktop.chooseBundleFile', { user: null }, counting),
    ).resolves.toMatchObject({ ok: false });
    expect(opened).toBe(0);
  });
});

describe('application menu', () => {
  const roles = (template: ReturnType<typeof menuTemplate>): string[] =>
    template
      .flatMap((item) => [
        item.role ?? '',
        ...(Array.isArray(item.submenu) ? item.submenu.map((s) => s.role ?? '') : []),
      ])
      .filter(Boolean);

  it('has the usual edit roles and no developer tools in a packaged build', () => {
    const linux = roles(
      menuTemplate({ platform: 'linux', appName: 'Vigil', devTools: false, onAbout: () => undefined }),
    );
    expect(linux).toEqual(
      expect.arrayContaining([
        'quit',
        'undo',
        'redo',
        'cut',
        'copy',
        'paste',
        'selectAll',
        'reload',
        'windowMenu',
      ]),
    );
    expect(linux).not.toContain('toggleDevTools');
    const dev = roles(
      menuTemplate({ platform: 'linux', appName: 'Vigil', devTools: true, onAbout: () => undefined }),
    );
    expect(dev).toContain('toggleDevTools');
  });

  it('puts the app menu first on macOS', () => {
    const mac = menuTemplate({
      platform: 'darwin',
      appName: 'Vigil',
      devTools: false,
      onAbout: () => undefined,
    });
    expect(mac[0]?.label).toBe('Vigil');
    expect(roles(mac)).toEqual(expect.arrayContaining(['hide', 'quit', 'close']));
  });
});
