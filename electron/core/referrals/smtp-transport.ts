import { createTransport } from 'nodemailer';
import { AppError } from '@shared/errors/app-error';

/**
 * Hands a finished RFC 5322 message to the configured SMTP server unchanged (nodemailer's `raw`
 * mode), so the bytes the server receives are the bytes Vigil hashed and kept.
 */

export type SmtpConfig = Readonly<{
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
}>;

export type SentMessage = Readonly<{ messageId: string; response: string }>;

/** Injected so that tests and other transports can stand in for SMTP. */
export type NoticeTransport = (
  message: Readonly<{ from: string; to: string; raw: Buffer; messageId: string }>,
) => Promise<SentMessage>;

export function smtpTransport(config: SmtpConfig): NoticeTransport {
  if (config.host === '')
    throw new AppError('input.invalid', 'no SMTP server is configured: vigil settings set smtp.host HOST');
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.user === '' ? {} : { auth: { user: config.user, pass: config.password } }),
    // A unit's own relay often has a certificate from the unit's CA; refusing it is still right:
    // nodemailer checks the certificate by default and we keep that.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return async (message) => {
    try {
      const info = await transport.sendMail({
        envelope: { from: message.from, to: [message.to] },
        raw: message.raw,
      });
      return { messageId: message.messageId, response: String(info.response) };
    } catch (error) {
      throw new AppError(
        'notice.send-failed',
        `the SMTP server refused the notice: ${(error as Error).message}`,
      );
    } finally {
      transport.close();
    }
  };
}
