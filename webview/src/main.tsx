import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { RanksApp } from './ranks/RanksApp.js';
import './styles.css';

// The host names the view on the root element: the profile dashboard (default) or the ranks panel.
const root = document.getElementById('root')!;
createRoot(root).render(root.dataset.view === 'ranks' ? <RanksApp /> : <App />);
