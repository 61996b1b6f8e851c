import { render } from '../render.js';

export const sysctlConfPath = '/etc/sysctl.d/99-kubernetes.conf';
export const modulesConfPath = '/etc/modules-load.d/kubernetes.conf';

/** Content of /etc/sysctl.d/99-kubernetes.conf (bridge netfilter and IPv4 forwarding). */
export function renderSysctlConf(): string {
  return render('system/sysctl.conf.hbs', {});
}

/** Content of /etc/modules-load.d/kubernetes.conf (overlay, br_netfilter). */
export function renderModulesConf(): string {
  return render('system/modules.conf.hbs', {});
}
