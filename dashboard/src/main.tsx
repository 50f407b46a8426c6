import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router-dom';
import { setNeedsToken } from './api/authState.js';
import { ApiError, UnauthorizedError } from './api/client.js';
import { App } from './App.js';
import { initTheme } from './lib/theme.js';
import './styles.css';
import './styles/dark.css';
import './styles/wall.css';

const queryClient = new QueryClient({
  queryCache: new QueryCache({
    onError: (error) => {
      if (error instanceof UnauthorizedError) setNeedsToken(true);
    },
  }),
  defaultOptions: {
    queries: {
      // A 401 or another client error will not fix itself by retrying; other failures get two more tries.
      retry: (failures, error) =>
        !(error instanceof UnauthorizedError) &&
        !(error instanceof ApiError && error.status < 500) &&
        failures < 2,
      staleTime: 5_000,
      refetchOnWindowFocus: false,
    },
  },
});

// The theme goes on the document before the first paint: a dark wall never flashes white.
initTheme();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </StrictMode>,
  );
}
