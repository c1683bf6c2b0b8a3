import { Box, Button, Chip, Link, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useAction, useClient } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * The review packet is a PDF rendered by the backend and shown from the artifact store in an
 * <object>; captured HTML is never loaded into the app. `canSign` is true for the reviewer who
 * signed the latest decision: only they may PAdES-sign its packet (the backend checks it again).
 */
export function PacketPreview({ resourceId, canSign }: Readonly<{ resourceId: string; canSign: boolean }>) {
  const { t, language, bytes, number } = useI18n();
  const client = useClient();
  const [password, setPassword] = useState('');
  const render = useAction((c, id: string, signWith?: string) =>
    c.call('packet.render', {
      resourceId: id,
      language,
      ...(signWith === undefined ? {} : { password: signWith }),
    }),
  );
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
          component="object"
          data={client.artifactUrl(packet.sha256)}
          type="application/pdf"
          data-testid="packet-object"
          sx={{ width: '100%', height: '75vh', border: 1, borderColor: 'divider' }}
        >
          <Typography sx={{ p: 2 }}>
            <Link href={client.artifactUrl(packet.sha256)} target="_blank" rel="noreferrer noopener">
              {t('review.packet')}
            </Link>
          </Typography>
        </Box>
      ) : null}
    </Box>
  );
}
