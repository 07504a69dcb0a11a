/**
 * Dropping root after the capture handle is open (`--user NAME`), as tcpdump
 * -Z does: supplementary groups, then group, then user, in that order
 * (after setuid we could no longer change groups).
 */
import { spawnSync } from 'node:child_process';

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Looks `name` up in the system's user database (getent: files, LDAP...). */
export function lookupUser(name: string): Account {
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(name)) throw new Error(`--user: '${name}' is not a valid user name`);
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const fields = r.status === 0 ? r.stdout.trim().split(':') : [];
  if (fields.length < 4) throw new Error(`--user: no such user '${name}'`);
  return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Switches the process to `name`; throws with the reason when it cannot. */
/** POSIX-only process methods (absent from @types/node's Process on some versions). */
type PosixProcess = NodeJS.Process & { initgroups?: (user: string | number, extraGroup: string | number) => void };

export function dropPrivileges(name: string): Account {
  const acct = lookupUser(name);
  const proc = process as PosixProcess;
  if (typeof proc.setuid !== 'function' || typeof proc.setgid !== 'function' || typeof proc.initgroups !== 'function') {
    throw new Error('--user: this platform cannot change the process user');
  }
  try {
    proc.initgroups(name, acct.gid);
    proc.setgid(acct.gid);
    proc.setuid(acct.uid);
  } catch (e) {
    throw new Error(`--user ${name}: cannot switch user (${(e as Error).message}); run as root to use --user`);
  }
  if (process.getuid?.() !== acct.uid || process.geteuid?.() !== acct.uid) {
    throw new Error(`--user ${name}: the switch did not take effect`);
  }
  return acct;
}
