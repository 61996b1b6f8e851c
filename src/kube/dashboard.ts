import type { Inventory } from '../inventory/schema.js';
import { render } from '../render.js';
import { dashboardImage, dashboardVersion, metricsScraperImage, metricsScraperVersion } from '../versions/addons.js';

/**
 * How the dashboard is reached: its Service stays ClusterIP (no login page on the nodes'
 * network), the operator port-forwards with the kubeconfig kinstall writes, and logs in with a
 * short-lived token of the kinstall-admin ServiceAccount.
 */
export const dashboardAccess = {
  namespace: 'kubernetes-dashboard',
  service: 'kubernetes-dashboard',
  deployments: ['kubernetes-dashboard', 'dashboard-metrics-scraper'],
  adminServiceAccount: 'kinstall-admin',
  localUrl: 'https://localhost:8443/',
  portForwardCommand(kubeconfigPath: string): string {
    return `kubectl --kubeconfig ${kubeconfigPath} -n kubernetes-dashboard port-forward svc/kubernetes-dashboard 8443:443`;
  },
  /** Run on a control plane (or with the kubeconfig); prints a token valid for `duration`. */
  tokenCommand(duration = '1h'): string {
    return `kubectl -n kubernetes-dashboard create token kinstall-admin --duration=${duration}`;
  },
} as const;

/** The dashboard's manifest for `kubectl apply`, with the kinstall-admin login identity. */
export function renderDashboardManifest(input: { inventory: Inventory }): string {
  return render('dashboard/dashboard.yaml.hbs', {
    clusterName: input.inventory.metadata.name,
    namespace: dashboardAccess.namespace,
    adminServiceAccount: dashboardAccess.adminServiceAccount,
    dashboardVersion,
    metricsScraperVersion,
    dashboardImage,
    metricsScraperImage,
  });
}
