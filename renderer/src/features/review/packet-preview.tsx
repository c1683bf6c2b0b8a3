import { Box, Button, Link, Typography } from '@mui/material';
import { useAction, useClient } from '../../api/api-context';
import { ErrorView } from '../../components/error-view';
import { HashText } from '../../components/hash-text';
import { useI18n } from '../../i18n/i18n-context';

/**
 * The review packet is a PDF rendered by the backend and shown from the artifact store in an
 * <object>; captured HTML is never loaded into the app.
 */
export function PacketPreview({ resourceId }: Readonly<{ resourceId: string }>) {
  const { t, language, bytes, number } = useI18n();
  const client = useClient();
  const render = useAction((c, id: string) => c.call('packet.render', { resourceId: id, language }));
  const packet = render.result;
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
            <HashText value={packet.sha256} short />
            <Link href={client.artifactUrl(packet.sha256)} target="_blank" rel="noreferrer noopener">
              {t('common.open')}
            </Link>
          </>
        ) : null}
      </Box>
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
