import VisibilityIcon from '@mui/icons-material/Visibility';
import VisibilityOffIcon from '@mui/icons-material/VisibilityOff';
import { Box, Button, Typography } from '@mui/material';
import { useEffect, useEffectEvent, useRef, useState } from 'react';
import type { CSSProperties } from 'react';
import type { RevealId } from '@shared/contract/methods/wellbeing';
import { useAction, useClient } from '../api/api-context';
import { useI18n } from '../i18n/i18n-context';
import { ErrorView } from './error-view';

/**
 * A captured image. Sensitive media is blurred and greyscale until the viewer reveals this one
 * image; the reveal goes to the backend first so the view is in the custody log before it happens.
 * The backend enforces it too: until then it serves only a blurred greyscale derivative, and after
 * the reveal the original once, for the `?reveal=` URL. A reveal lasts until Hide is clicked or
 * the image leaves the screen (navigation, another segment, sign-out); its end goes to the backend,
 * which measures the duration with its own clock (the exposure counter sums them).
 */
export function SensitiveImage({
  resourceId,
  sha256,
  sensitive,
  alt,
  imgStyle,
}: Readonly<{
  resourceId: string;
  sha256: string;
  sensitive: boolean;
  alt: string;
  imgStyle?: CSSProperties;
}>) {
  const { t } = useI18n();
  const client = useClient();
  const [revealed, setRevealed] = useState(false);
  // Each reveal is a new URL: the backend serves the original once per reveal, blurred otherwise.
  const [reveals, setReveals] = useState(0);
  const reveal = useAction((c, id: string, hash: string) =>
    c.call('media.reveal', { resourceId: id, sha256: hash }),
  );
  // The open reveal, kept in a ref so the unmount cleanup (screen left) can end it.
  const open = useRef<RevealId | null>(null);
  const end = (how: 'hidden' | 'left') => {
    const id = open.current;
    open.current = null;
    // A failed end (signed out meanwhile) is closed by the backend at sign-out or the next sign-in.
    if (id !== null) void client.call('media.hide', { revealId: id, how }).catch(() => undefined);
  };
  const leave = useEffectEvent(() => end('left'));
  useEffect(() => () => leave(), []);
  const hidden = sensitive && !revealed;
  const onReveal = async () => {
    const done = await reveal.run(resourceId, sha256);
    if (done !== undefined) {
      open.current = done.revealId;
      setReveals((n) => n + 1);
      setRevealed(true);
    }
  };
  const onHide = () => {
    end('hidden');
    setRevealed(false);
  };
  return (
    <Box sx={{ display: 'block', width: '100%' }}>
      {sensitive ? (
        <Box
          sx={{
            position: 'sticky',
            top: 0,
            zIndex: 1,
            display: 'flex',
            flexWrap: 'wrap',
            alignItems: 'center',
            gap: 1,
            p: 1,
            bgcolor: 'background.paper',
            borderBottom: 1,
            borderColor: 'divider',
          }}
        >
          {hidden ? (
            <>
              <Typography variant="body2">{t('resource.sensitive')}</Typography>
              <Button
                variant="contained"
                color="warning"
                size="small"
                startIcon={<VisibilityIcon />}
                onClick={() => void onReveal()}
                disabled={reveal.pending}
                data-testid="reveal-media"
              >
                {t('resource.reveal')}
              </Button>
            </>
          ) : (
            <Button
              variant="outlined"
              size="small"
              startIcon={<VisibilityOffIcon />}
              onClick={onHide}
              data-testid="hide-media"
            >
              {t('resource.hide')}
            </Button>
          )}
          {reveal.error ? <ErrorView error={reveal.error} /> : null}
        </Box>
      ) : null}
      <img
        src={
          hidden || !sensitive
            ? client.artifactUrl(sha256)
            : `${client.artifactUrl(sha256)}?reveal=${reveals}`
        }
        alt={alt}
        data-testid="captured-image"
        data-blurred={hidden ? 'true' : 'false'}
        draggable={false}
        style={{
          display: 'block',
          margin: '0 auto',
          filter: hidden ? 'blur(24px) grayscale(1)' : undefined,
          ...imgStyle,
        }}
      />
    </Box>
  );
}
