import { Box, Button, Chip, Link, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useAction, useClient } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { SensitiveImage } from '@renderer/components/sensitive-image';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * The review packet is a PDF rendered by the backend; the preview shows its pages as images the
 * backend rasterised, never the PDF itself (a PDF viewer would show the embedded screenshots as
 * they are): a page that draws a captured image is blurred and greyscale until revealed, per page
 * and per click, like any screenshot. Captured HTML is never loaded into the app. `canSign` is true for the reviewer who
 * signed the latest decision: only they may PAdES-sign its packet (the backend checks it again).
 */
export function PacketPreview({ resourceId, canSign }: Readonly<{ resourceId: string; canSign: boolean }>) {
  const { t, language, bytes, number } = useI18n();
  const client = useClient();
  const [password, setPassword] = useState('');
  const render = useAction(async (c, id: string, signWith?: string) => {
    const rendered = await c.call('packet.render', {
      resourceId: id,
      language,
      ...(signWith === undefined ? {} : { password: signWith }),
    });
    const pageImages = await c.call('packet.pages', { resourceId: id, sha256: rendered.sha256 });
    return { ...rendered, pageImages };
  });
  const packet = render.result;
  const renderSigned = (event: FormEvent) => {
    event.preventDefault();
    const given = password;
    // The password leaves the component with this one request and is not kept in state.
    setPassword('');
    void render.run(resourceId, given);
  };
  return (
    <Box data-testid="packet-preview">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
        <Button
          variant="outlined"
          onClick={() => void render.run(resourceId)}
          disabled={render.pending}
          data-testid="render-packet"
        >
          {t('review.renderPacket')}
        </Button>
        {packet ? (
          <>
            <Typography variant="body2">
              {t('review.packetPages', { pages: number(packet.pages), size: bytes(packet.bytes) })}
            </Typography>
            <Chip
              size="small"
              color={packet.signed ? 'success' : 'default'}
              label={packet.signed ? t('review.packetSigned') : t('review.packetUnsigned')}
              data-testid="packet-signed"
              data-signed={packet.signed ? 'true' : 'false'}
            />
            <HashText value={packet.sha256} short />
            <Link href={client.artifactUrl(packet.sha256)} target="_blank" rel="noreferrer noopener">
              {t('common.open')}
            </Link>
          </>
        ) : null}
      </Box>
      {canSign ? (
        <Box
          component="form"
          onSubmit={renderSigned}
          sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap', mb: 1 }}
          data-testid="packet-sign-form"
        >
          <TextField
            size="small"
            type="password"
            label={t('review.packetPassword')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            slotProps={{ htmlInput: { 'data-testid': 'packet-password' } }}
          />
          <Button
            type="submit"
            variant="contained"
            disabled={render.pending || password === ''}
            data-testid="render-signed-packet"
          >
            {t('review.renderSignedPacket')}
          </Button>
        </Box>
      ) : null}
      {render.error ? <ErrorView error={render.error} /> : null}
      {packet ? (
        <Box
          data-testid="packet-pages"
          sx={{ maxHeight: '75vh', overflow: 'auto', border: 1, borderColor: 'divider', p: 1 }}
        >
          {packet.pageImages.map((p) => (
            <Box key={p.sha256} data-testid="packet-page" data-page={p.page} sx={{ mb: 2 }}>
              <Typography variant="caption" color="text.secondary">
                {t('review.packetPage', { page: number(p.page) })}
              </Typography>
              <SensitiveImage
                resourceId={resourceId}
                sha256={p.sha256}
                sensitive={p.sensitive}
                alt={t('review.packetPage', { page: number(p.page) })}
                imgStyle={{ maxWidth: '100%', height: 'auto', boxShadow: '0 0 2px rgba(0,0,0,0.4)' }}
              />
            </Box>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
