// The shell's entry: which portal the URL is for (/admin/…), then that portal's app under a
// router whose base is the portal's prefix; `/` offers the portals.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Router } from 'wouter';
import { App } from './app.tsx';
import { PortalChooser } from './pages/portal-chooser.tsx';
import { portalOfPath } from './portal.ts';
import './styles/shell.css';

const portal = portalOfPath(location.pathname);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    {portal ? (
      <Router base={`/${portal}`}>
        <App portal={portal} />
      </Router>
    ) : (
      <PortalChooser />
    )}
  </StrictMode>,
);
