import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from '@shared/contract/client';
import { chooseTransport } from './api/transport';
import { AppRoot } from './app/app-root';

const container = document.getElementById('root');
if (container !== null) {
  const client = createClient(chooseTransport(window));
  createRoot(container).render(
    <StrictMode>
      <AppRoot client={client} />
    </StrictMode>,
  );
}
