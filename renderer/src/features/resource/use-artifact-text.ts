import { useEffect, useState } from 'react';
import { useClient } from '@renderer/api/api-context';

const LIMIT = 512 * 1024;

export type ArtifactText = Readonly<{
  sha256: string;
  text: string | null;
  truncated: boolean;
  failed: boolean;
}>;

/** Reads a text artifact (visible text, console log) as plain text; large ones are cut for display only. */
export function useArtifactText(sha256: string | undefined): ArtifactText | null {
  const client = useClient();
  const [state, setState] = useState<ArtifactText | null>(null);
  useEffect(() => {
    if (sha256 === undefined) return;
    let live = true;
    const load = async () => {
      try {
        const response = await fetch(client.artifactUrl(sha256), { credentials: 'same-origin' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const text = await response.text();
        if (live)
          setState({ sha256, text: text.slice(0, LIMIT), truncated: text.length > LIMIT, failed: false });
      } catch {
        if (live) setState({ sha256, text: null, truncated: false, failed: true });
      }
    };
    void load();
    return () => {
      live = false;
    };
  }, [client, sha256]);
  return state !== null && state.sha256 === sha256 ? state : null;
}
