import type { Language } from '@shared/domain/resources';
import { ar } from './packet-i18n-ar';
import { en } from './packet-i18n-en';
import { ru } from './packet-i18n-ru';
import type { PacketLabels } from './packet-labels';

export type { PacketLabels } from './packet-labels';

/** The packet's labels in each language it is printed in; every language must say every label. */
export const PACKET_LABELS: Readonly<Record<Language, PacketLabels>> = { en, ar, ru };

export const packetLabels = (language: Language): PacketLabels => PACKET_LABELS[language];
