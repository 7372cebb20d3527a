// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: mkdir, mkdirat, mknod, mknodat, access, faccessat, faccessat2
 * and truncate.
 *
 * mkdirat is fs/namei.c's do_mkdirat() on its exported parts:
 * user_path_create() (getname, the parent's walk with its audit record,
 * mnt_want_write(), the parent locked, the new dentry looked up), the
 * security_path_mkdir() hook, vfs_mkdir() (may_create(): permission,
 * the LSM's inode_mkdir, audit of the child; fsnotify) and
 * done_path_create().  mknodat is do_mknodat() on the same parts, with
 * security_path_mknod() and vfs_mknod() (may_create(), CAP_MKNOD for
 * devices other than a whiteout, the device cgroup, the LSM's
 * inode_mknod, fsnotify), for fifos, sockets and devices; a regular
 * file is the genuine call (SYSLET_EGENUINE), since do_mknodat() then
 * calls security_path_post_mknod() (IMA's mark of a new file; 6.1:
 * ima_post_path_mknod()), which is not exported.  faccessat is fs/open.c's do_faccessat() on
 * user_path_at() and inode_permission(), with its credentials override
 * for the real ids.  truncate is fs/open.c's do_sys_truncate():
 * user_path_at() and vfs_truncate(), which makes truncate(2)'s checks
 * (write permission, append-only and immutable files, leases, the
 * security_path_truncate() hook, fsnotify).  A stale walk is retried once with LOOKUP_REVAL as
 * the system calls do (the path is then read from user memory again).
 *
 * The other calls of fs/namei.c are not here: unlinkat, renameat2 and
 * rmdir need filename_parentat(), linkat and symlinkat their LSM hooks
 * (security_path_link, security_path_symlink) and linkat may_linkat()
 * (protected_hardlinks), none of which is exported.
 *
 * All may block (directory locks, disk I/O): marked may_block.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/securebits.h>
#include <linux/security.h>

#include <msgport/compat.h>
#include "syslet.h"

static long syslet_mkdirat(int dfd, const char __user *name, umode_t mode)
{
	struct compat_delegated_inode deleg = { };
	unsigned int lookup_flags = LOOKUP_DIRECTORY;
	struct syslet_fs_scope fs;
	struct dentry *dentry;
	struct path path;
	int err;

	syslet_fs_enter(&fs);
retry:
	dentry = compat_user_path_create(dfd, name, &path, lookup_flags);
	err = PTR_ERR_OR_ZERO(dentry);
	if (!err) {
		err = security_path_mkdir(&path, dentry,
					  syslet_mkdir_lsm_mode(&path, mode));
		if (!err)
			err = syslet_vfs_mkdir(&path, &dentry, mode, &deleg);
		compat_done_path_create(&path, dentry);
		if (!compat_break_deleg(&deleg))
			goto retry;
		if (retry_estale(err, lookup_flags)) {
			lookup_flags |= LOOKUP_REVAL;
			goto retry;
		}
	}
	syslet_fs_leave(&fs);
	return err;
}

/* fs/namei.c's do_mknodat() */
static long syslet_mknodat(int dfd, const char __user *name, umode_t mode,
			   unsigned int dev)
{
	struct compat_delegated_inode deleg = { };
	unsigned int lookup_flags = 0;
	struct syslet_fs_scope fs;
	struct dentry *dentry;
	struct path path;
	int err, deleg_err;

	switch (mode & S_IFMT) {	/* may_mknod() */
	case 0:
	case S_IFREG:
		return SYSLET_EGENUINE;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	syslet_fs_enter(&fs);
retry:
	dentry = compat_user_path_create(dfd, name, &path, lookup_flags);
	err = PTR_ERR_OR_ZERO(dentry);
	if (!err) {
		err = security_path_mknod(&path, dentry,
					  syslet_mkdir_lsm_mode(&path, mode),
					  dev);
		if (!err)
			err = syslet_vfs_mknod(&path, dentry, mode,
					       S_ISCHR(mode) || S_ISBLK(mode) ?
					       new_decode_dev(dev) : 0,
					       &deleg);
		compat_done_path_create(&path, dentry);
		deleg_err = compat_break_deleg(&deleg);
		if (!deleg_err)
			goto retry;
		if (deleg_err < 0)
			err = deleg_err;
		if (retry_estale(err, lookup_flags)) {
			lookup_flags |= LOOKUP_REVAL;
			goto retry;
		}
	}
	syslet_fs_leave(&fs);
	return err;
}

/* mknod(path, mode, dev) */
long syslet_op_mknod(const unsigned long *args, bool nowait)
{
	return syslet_mknodat(AT_FDCWD, (const char __user *)args[0], args[1],
			      args[2]);
}

/* mknodat(dfd, path, mode, dev) */
long syslet_op_mknodat(const unsigned long *args, bool nowait)
{
	return syslet_mknodat(args[0], (const char __user *)args[1], args[2],
			      args[3]);
}

/* mkdir(path, mode) */
long syslet_op_mkdir(const unsigned long *args, bool nowait)
{
	return syslet_mkdirat(AT_FDCWD, (const char __user *)args[0], args[1]);
}

/* mkdirat(dfd, path, mode) */
long syslet_op_mkdirat(const unsigned long *args, bool nowait)
{
	return syslet_mkdirat(args[0], (const char __user *)args[1], args[2]);
}

/* fs/open.c's access_need_override_creds() */
static bool syslet_access_need_override(int flags)
{
	const struct cred *cred;

	if (flags & AT_EACCESS)
		return false;
	cred = current_cred();
	if (!uid_eq(cred->fsuid, cred->uid) || !gid_eq(cred->fsgid, cred->gid))
		return true;
	if (!issecure(SECURE_NO_SETUID_FIXUP)) {
		kuid_t root_uid = make_kuid(cred->user_ns, 0);

		if (!uid_eq(cred->uid, root_uid))
			return !cap_isclear(cred->cap_effective);
		return !cap_isidentical(cred->cap_effective,
					cred->cap_permitted);
	}
	return false;
}

/*
 * fs/open.c's access_override_creds(): check with the real ids, and the
 * capabilities a non-root real uid would have.  On top of a worker's
 * override_creds() of the submitter's credentials, so these are derived
 * from the submitter's.  NULL on -ENOMEM.
 */
static const struct cred *syslet_access_override_creds(void)
{
	struct cred *cred;

	cred = prepare_creds();
	if (!cred)
		return NULL;
	cred->fsuid = cred->uid;
	cred->fsgid = cred->gid;
	if (!issecure(SECURE_NO_SETUID_FIXUP)) {
		kuid_t root_uid = make_kuid(cred->user_ns, 0);

		if (!uid_eq(cred->uid, root_uid))
			cap_clear(cred->cap_effective);
		else
			cred->cap_effective = cred->cap_permitted;
	}
	/* Only ever the subjective cred of this task, as in fs/open.c. */
	cred->non_rcu = 1;
	return compat_override_creds_owned(cred);
}

/* fs/namespace.c's path_noexec(), not exported. */
static bool syslet_path_noexec(const struct path *path)
{
	return (path->mnt->mnt_flags & MNT_NOEXEC) ||
	       (path->mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

/* fs/open.c's do_faccessat() */
static long syslet_faccessat(int dfd, const char __user *name, int mode,
			     int flags)
{
	unsigned int lookup_flags = LOOKUP_FOLLOW;
	const struct cred *old = NULL;
	struct syslet_fs_scope fs;
	struct inode *inode;
	struct path path;
	int err;

	if (mode & ~(MAY_READ | MAY_WRITE | MAY_EXEC))	/* R_OK, W_OK, X_OK */
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_NOFOLLOW)
		lookup_flags &= ~LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lookup_flags |= LOOKUP_EMPTY;
	if (syslet_access_need_override(flags)) {
		old = syslet_access_override_creds();
		if (!old)
			return -ENOMEM;
	}

	syslet_fs_enter(&fs);
retry:
	err = user_path_at(dfd, name, lookup_flags, &path);
	if (err)
		goto out;
	inode = d_backing_inode(path.dentry);
	if ((mode & MAY_EXEC) && S_ISREG(inode->i_mode) &&
	    syslet_path_noexec(&path)) {
		err = -EACCES;
		goto release;
	}
	err = syslet_inode_permission(&path, mode | MAY_ACCESS);
	/* SuS v2 requires a read-only file system to be reported too. */
	if (!err && (mode & MAY_WRITE) && !special_file(inode->i_mode) &&
	    __mnt_is_readonly(path.mnt))
		err = -EROFS;
release:
	path_put(&path);
	if (retry_estale(err, lookup_flags)) {
		lookup_flags |= LOOKUP_REVAL;
		goto retry;
	}
out:
	syslet_fs_leave(&fs);
	if (old)
		compat_revert_creds_owned(old);
	return err;
}

/* access(path, mode) */
long syslet_op_access(const unsigned long *args, bool nowait)
{
	return syslet_faccessat(AT_FDCWD, (const char __user *)args[0],
				args[1], 0);
}

/* faccessat(dfd, path, mode) */
long syslet_op_faccessat(const unsigned long *args, bool nowait)
{
	return syslet_faccessat(args[0], (const char __user *)args[1],
				args[2], 0);
}

/* faccessat2(dfd, path, mode, flags) */
long syslet_op_faccessat2(const unsigned long *args, bool nowait)
{
	return syslet_faccessat(args[0], (const char __user *)args[1],
				args[2], args[3]);
}

/* truncate(path, length): fs/open.c's do_sys_truncate() */
long syslet_op_truncate(const unsigned long *args, bool nowait)
{
	unsigned int lookup_flags = LOOKUP_FOLLOW;
	loff_t length = args[1];
	struct syslet_fs_scope fs;
	struct path path;
	long err;

	if (length < 0)
		return -EINVAL;
	syslet_fs_enter(&fs);
retry:
	err = user_path_at(AT_FDCWD, (const char __user *)args[0],
			   lookup_flags, &path);
	if (!err) {
		err = vfs_truncate(&path, length);
		path_put(&path);
	}
	if (retry_estale(err, lookup_flags)) {
		lookup_flags |= LOOKUP_REVAL;
		goto retry;
	}
	syslet_fs_leave(&fs);
	return err;
}
