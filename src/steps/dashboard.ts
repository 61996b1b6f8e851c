import { dashboardAccess, renderDashboardManifest } from '../kube/index.js';
import { addonStep } from './addon.js';

export const dashboardStep = addonStep({
  id: 'dashboard',
  title: 'Kubernetes Dashboard',
  file: 'dashboard.yaml',
  enabled: (ctx) => ctx.inventory.addons.dashboard.enabled,
  manifest: (ctx) => renderDashboardManifest({ inventory: ctx.inventory }),
  workloads: dashboardAccess.deployments.map((name) => ({ kind: 'deployment' as const, name, namespace: dashboardAccess.namespace })),
  notes: (ctx) => [
    `dashboard: ${dashboardAccess.portForwardCommand(ctx.kubeconfigPath)}`,
    `dashboard: then open ${dashboardAccess.localUrl} and log in with the token from: kinstall dashboard-token <inventory>`,
  ],
});
