import { Alert, Box, Tab, Tabs, Typography } from '@mui/material';
import { useState, type ReactNode } from 'react';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { EmptyView } from '@renderer/components/empty-view';
import { HashText } from '@renderer/components/hash-text';
import { LoadingView } from '@renderer/components/loading-view';
import { CapturedUrl } from '@renderer/components/captured-text';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';
import { KeyValueTable } from './key-value-table';
import { TamperedNotice } from './tampered-notice';
import { TlsCertificates } from './tls-certificates';
import { useArtifactText } from './use-artifact-text';

type TabName = 'http' | 'redirects' | 'tls' | 'context' | 'text' | 'console';
const TABS: readonly TabName[] = ['http', 'redirects', 'tls', 'context', 'text', 'console'];

function ArtifactTextView({
  sha256,
  emptyText,
}: Readonly<{ sha256: string | undefined; emptyText: string }>) {
  const { t } = useI18n();
  const loaded = useArtifactText(sha256);
  if (sha256 === undefined) return <EmptyView text={emptyText} />;
  if (loaded === null) return <LoadingView />;
  if (loaded.failed || loaded.text === null)
    return <Alert severity="warning">{t('common.notAvailable')}</Alert>;
  if (loaded.text.trim() === '') return <EmptyView text={emptyText} />;
  return (
    <Box
      component="pre"
      data-testid="artifact-text"
      dir="auto"
      sx={{
        whiteSpace: 'pre-wrap',
        overflowWrap: 'anywhere',
        maxHeight: 480,
        overflow: 'auto',
        m: 0,
        fontSize: 13,
      }}
    >
      {loaded.text}
      {loaded.truncated ? '\n…' : ''}
    </Box>
  );
}

/** Everything recorded about one capture, as text: headers and titles are data, never markup. */
export function CaptureTabs({ capture }: Readonly<{ capture: CaptureRecord }>) {
  const { t, dateTime, number } = useI18n();
  const [tab, setTab] = useState<TabName>('http');
  const textArtifact = capture.artifacts.find((a) => a.kind === 'text');
  const consoleArtifact = capture.artifacts.find((a) => a.kind === 'console');
  const ctx = capture.context;
  const ts = capture.timestamp;
  return (
    <Box data-testid="capture-tabs">
      <TamperedNotice capture={capture} />
      <Tabs value={tab} onChange={(_, v: TabName) => setTab(v)} variant="scrollable" sx={{ mb: 1 }}>
        {TABS.map((name) => (
          <Tab key={name} value={name} label={t(`resource.tab.${name}`)} data-testid={`tab-${name}`} />
        ))}
      </Tabs>
      {tab === 'http' ? (
        <>
          <KeyValueTable
            rows={[
              [
                t('resource.http.status'),
                capture.http.status === null ? t('common.none') : number(capture.http.status),
              ],
              [
                t('resource.http.remote'),
                <LtrText key="r" mono>
                  {capture.http.remoteAddress ?? t('common.none')}
                </LtrText>,
              ],
              [
                t('resource.http.protocol'),
                <LtrText key="p">{capture.http.protocol ?? t('common.none')}</LtrText>,
              ],
              [t('resource.finalUrl'), <CapturedUrl key="u" url={capture.finalUrl} />],
            ]}
          />
          <Typography variant="subtitle2" sx={{ mt: 2 }}>
            {t('resource.http.headers')}
          </Typography>
          <Box dir="ltr">
            <KeyValueTable
              testId="http-headers"
              rows={Object.entries(capture.http.headers).map(
                ([k, v]) => [k, <span key={k}>{v}</span>] as const,
              )}
            />
          </Box>
        </>
      ) : null}
      {tab === 'redirects' ? (
        capture.redirects.length === 0 ? (
          <EmptyView text={t('resource.redirects.none')} />
        ) : (
          <Box component="ol" sx={{ m: 0, paddingInlineStart: 3 }}>
            {capture.redirects.map((r, i) => (
              <li key={`${i}-${r.url}`}>
                <LtrText mono>{String(r.status)}</LtrText>{' '}
                {r.via === undefined ? null : (
                  <>
                    <span data-testid="redirect-via">{t(`resource.redirects.via.${r.via}`)}</span>{' '}
                  </>
                )}
                <CapturedUrl url={r.url} /> → <CapturedUrl url={r.location} />
              </li>
            ))}
          </Box>
        )
      ) : null}
      {tab === 'tls' ? <TlsCertificates capture={capture} /> : null}
      {tab === 'tls' ? (
        capture.tls === undefined ? (
          <EmptyView text={t('resource.tls.none')} />
        ) : (
          <KeyValueTable
            rows={[
              [t('resource.tls.protocol'), <LtrText key="a">{capture.tls.protocol}</LtrText>],
              [t('resource.tls.cipher'), <LtrText key="b">{capture.tls.cipher}</LtrText>],
              [t('resource.tls.subject'), <LtrText key="c">{capture.tls.subjectName}</LtrText>],
              [t('resource.tls.issuer'), <LtrText key="d">{capture.tls.issuer}</LtrText>],
              [t('resource.tls.validFrom'), <LtrText key="e">{capture.tls.validFrom}</LtrText>],
              [t('resource.tls.validTo'), <LtrText key="f">{capture.tls.validTo}</LtrText>],
              [t('resource.tls.san'), <LtrText key="g">{capture.tls.sanList.join(', ')}</LtrText>],
              [
                t('resource.tls.fingerprint'),
                capture.tls.sha256Fingerprint === null ? (
                  t('common.none')
                ) : (
                  <HashText key="h" value={capture.tls.sha256Fingerprint} />
                ),
              ],
            ]}
          />
        )
      ) : null}
      {tab === 'context' ? (
        <KeyValueTable
          testId="capture-context"
          rows={[
            [t('resource.context.startedAt'), dateTime(capture.startedAt)],
            [t('resource.context.finishedAt'), dateTime(capture.finishedAt)],
            [t('resource.context.operator'), <LtrText key="o">{ctx.operator}</LtrText>],
            [t('resource.context.workstation'), <LtrText key="w">{ctx.workstation}</LtrText>],
            [t('resource.context.os'), <LtrText key="s">{ctx.os}</LtrText>],
            [t('resource.context.app'), <LtrText key="a">{`${ctx.app.name} ${ctx.app.version}`}</LtrText>],
            [
              t('resource.context.browser'),
              <LtrText key="b">{`${ctx.browser.product} ${ctx.browser.version}`}</LtrText>,
            ],
            [
              t('resource.context.userAgent'),
              <LtrText key="u" mono>
                {ctx.userAgent}
              </LtrText>,
            ],
            [
              t('resource.context.viewport'),
              <LtrText key="v">{`${ctx.viewport.width}×${ctx.viewport.height} @${ctx.viewport.deviceScaleFactor}`}</LtrText>,
            ],
            [t('resource.context.locale'), <LtrText key="l">{ctx.locale}</LtrText>],
            [t('resource.context.timeZone'), <LtrText key="z">{ctx.timeZone}</LtrText>],
            [t('resource.context.proxy'), <LtrText key="p">{ctx.proxy ?? t('common.none')}</LtrText>],
            ...provenanceRows(ctx, t),
            [t('resource.context.manifest'), <HashText key="m" value={capture.manifestSha256} />],
            [
              t('resource.context.signature'),
              <LtrText key="k" mono>{`${capture.signature.alg} ${capture.signature.keyId}`}</LtrText>,
            ],
            [
              t('resource.context.timestamp'),
              ts.status === 'granted'
                ? `${t('resource.timestamp.granted', { tsa: ts.tsa ?? '' })}${ts.genTime ? ` · ${dateTime(ts.genTime)}` : ''}`
                : t(`resource.timestamp.${ts.status}`),
            ],
          ]}
        />
      ) : null}
      {tab === 'text' ? (
        <ArtifactTextView sha256={textArtifact?.sha256} emptyText={t('resource.text.none')} />
      ) : null}
      {tab === 'console' ? (
        <ArtifactTextView sha256={consoleArtifact?.sha256} emptyText={t('resource.console.none')} />
      ) : null}
    </Box>
  );
}

type Translate = ReturnType<typeof useI18n>['t'];

/** The provenance fields of captures sealed since provenance version 2 (older records lack them). */
function provenanceRows(ctx: CaptureRecord['context'], t: Translate): [string, ReactNode][] {
  const rows: [string, ReactNode][] = [];
  if (ctx.app.commit)
    rows.push([
      t('resource.context.commit'),
      <LtrText key="c" mono>
        {ctx.app.commit}
      </LtrText>,
    ]);
  if (ctx.profile)
    rows.push([
      t('resource.context.profile'),
      <LtrText
        key="pv"
        mono
      >{`${ctx.profile}${ctx.profileVersion ? ` ${ctx.profileVersion.slice(0, 16)}` : ''}`}</LtrText>,
    ]);
  const clock = ctx.clockOffset;
  if (clock)
    rows.push([
      t('resource.context.clockOffset'),
      clock.status === 'measured'
        ? t('resource.context.clockMeasured', {
            offset: String(clock.offsetMs),
            server: clock.server,
            rtt: String(clock.roundTripMs),
          })
        : t('resource.context.unknown', { reason: clock.reason }),
    ]);
  const egress = ctx.egress;
  if (egress)
    rows.push([
      t('resource.context.egress'),
      egress.status === 'known' ? (
        <LtrText key="e">{egress.address}</LtrText>
      ) : (
        t('resource.context.unknown', { reason: egress.reason })
      ),
    ]);
  return rows;
}
