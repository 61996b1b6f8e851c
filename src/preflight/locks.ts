/**
 * Package-manager locks kinstall waits for (issue 11 item 12). apt takes, in order,
 * /var/lib/dpkg/lock-frontend, /var/lib/dpkg/lock, and for `apt-get update` /var/lib/apt/lists/lock,
 * for downloads /var/cache/apt/archives/lock — all fcntl (POSIX) locks, visible in /proc/locks by
 * inode but not to flock(1). rpm locks /var/lib/rpm/.rpm.lock (or /usr/lib/sysimage/rpm/.rpm.lock);
 * dnf 4 marks a run with pid files (/var/run/dnf.pid, /var/cache/dnf/*_lock.pid) that are held
 * while that pid is alive.
 */
export const packageLockFiles = [
  '/var/lib/dpkg/lock-frontend',
  '/var/lib/dpkg/lock',
  '/var/lib/apt/lists/lock',
  '/var/cache/apt/archives/lock',
  '/var/lib/rpm/.rpm.lock',
  '/usr/lib/sysimage/rpm/.rpm.lock',
  '/var/run/dnf.pid',
  '/var/cache/dnf/*.pid',
];

/**
 * How long a package step of `kinstall up` waits for another package-manager run before it fails
 * naming the holder (templates/partials/pkg-lock-wait.sh.hbs carries the same number; a unit test
 * keeps them equal). Ten minutes covers a first unattended-upgrades run on a fresh cloud VM.
 */
export const pkgLockTimeoutSeconds = 600;
