import LockOpenIcon from '@mui/icons-material/LockOpen';
import VisibilityIcon from '@mui/icons-material/Visibility';
import VisibilityOffIcon from '@mui/icons-material/VisibilityOff';
import { Box, Button } from '@mui/material';
import { useEffect, useEffectEvent, useRef, useState } from 'react';
import type { RevealId } from '@shared/contract/methods/wellbeing';
import { useAction, useClient } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * "View from vault" for a user authorised for the restricted vault. Every load of the item is one
 * `vault.read` grant (a custody event, refused and logged for anyone else) and one request to the
 * artifact server: first blurred and greyscale; Reveal asks `media.reveal` (a custody event that
 * starts the timed reveal) before the original is fetched; Hide, or leaving the screen, ends the
 * reveal and the next load is blurred again.
 */
export function VaultView({ resourceId, sha256 }: Readonly<{ resourceId: string; sha256: string }>) {
  const { t } = useI18n();
  const client = useClient();
  // loads: each src is a new URL, so the browser fetches (and uses a grant) every time.
  const [view, setView] = useState<{ loads: number; revealed: boolean } | null>(null);
  const open = useRef<RevealId | null>(null);
  const end = (how: 'hidden' | 'left') => {
    const id = open.current;
    open.current = null;
    if (id !== null) void client.call('media.hide', { revealId: id, how }).catch(() => undefined);
  };
  const leave = useEffectEvent(() => end('left'));
  useEffect(() => () => leave(), []);
  const load = useAction(async (c, reveal: boolean) => {
    const revealed = reveal ? await c.call('media.reveal', { resourceId, sha256 }) : null;
    await c.call('vault.read', { resourceId, sha256 });
    return revealed;
  });
  const show = async (reveal: boolean) => {
    if (!reveal) end('hidden');
    const done = await load.run(reveal);
    if (done === undefined) return;
    if (done !== null) open.current = done.revealId;
    setView((v) => ({ loads: (v?.loads ?? 0) + 1, revealed: reveal }));
  };
  const hidden = view === null || !view.revealed;
  const src =
    view === null
      ? null
      : `${client.artifactUrl(sha256)}?${view.revealed ? 'reveal' : 'vault'}=${view.loads}`;
  return (
    <Box data-testid="vault-view" sx={{ mt: 1 }}>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        {view === null ? (
          <Button
            size="small"
            variant="outlined"
            color="warning"
            startIcon={<LockOpenIcon />}
            onClick={() => void show(false)}
            disabled={load.pending}
            data-testid="vault-view-open"
          >
            {t('vault.view')}
          </Button>
        ) : hidden ? (
          <Button
            size="small"
            variant="contained"
            color="warning"
            startIcon={<VisibilityIcon />}
            onClick={() => void show(true)}
            disabled={load.pending}
            data-testid="vault-reveal"
          >
            {t('resource.reveal')}
          </Button>
        ) : (
          <Button
            size="small"
            variant="outlined"
            startIcon={<VisibilityOffIcon />}
            onClick={() => void show(false)}
            disabled={load.pending}
            data-testid="vault-hide"
          >
            {t('resource.hide')}
          </Button>
        )}
      </Box>
      {load.error ? <ErrorView error={load.error} /> : null}
      {src !== null ? (
        <img
          src={src}
          alt={t('vault.item')}
          data-testid="vault-image"
          data-blurred={hidden ? 'true' : 'false'}
          draggable={false}
          style={{
            display: 'block',
            marginTop: 8,
            maxWidth: '100%',
            filter: hidden ? 'blur(24px) grayscale(1)' : undefined,
          }}
        />
      ) : null}
    </Box>
  );
}
