// Profile | Ranks tabs of a dashboard whose profile holds several rank processes.
import type { KeyboardEvent } from 'react';

export type DashboardTab = 'profile' | 'ranks';

export function DashboardTabs(props: { tab: DashboardTab; ranks: number; onTab: (t: DashboardTab) => void }) {
  const tabs: Array<{ id: DashboardTab; label: string }> = [
    { id: 'profile', label: 'Profile' },
    { id: 'ranks', label: `Ranks (${props.ranks})` },
  ];
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      props.onTab(props.tab === 'profile' ? 'ranks' : 'profile');
    }
  };
  return (
    <div className="tabs" role="tablist" aria-label="Dashboard views" onKeyDown={onKey}>
      {tabs.map((t) => (
        <button key={t.id} role="tab" aria-selected={props.tab === t.id} tabIndex={props.tab === t.id ? 0 : -1}
          data-testid={`tab-${t.id}`} onClick={() => props.onTab(t.id)}>{t.label}</button>
      ))}
    </div>
  );
}
