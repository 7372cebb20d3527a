// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: sendto, recvfrom, sendmsg and recvmsg, on the exported socket
 * API: sock_from_file(), sock_sendmsg() and sock_recvmsg() (which run the
 * LSM hooks security_socket_sendmsg/recvmsg), import_ubuf() and
 * import_iovec().  The functions below follow net/socket.c's
 * __sys_sendto(), __sys_recvfrom(), ___sys_sendmsg() and
 * ___sys_recvmsg() step by step, so results, errors and their order are
 * the system calls': the buffer is checked before the fd for
 * sendto/recvfrom, MSG_CMSG_COMPAT is refused (-EINVAL) before the fd for
 * sendmsg/recvmsg, an O_NONBLOCK file adds MSG_DONTWAIT, and recvmsg
 * stores msg_namelen, msg_flags (MSG_TRUNC, MSG_CTRUNC, ...) and
 * msg_controllen.  Control messages (SCM_RIGHTS, SCM_CREDENTIALS) are
 * handled by the protocols themselves, as for the system calls, against
 * the current thread: the submitter, or a worker, which shares its file
 * table and process and runs with its credentials.
 *
 * Auditing: the system calls record a socket address they move for the
 * audit record (audit_sockaddr(), built on __audit_sockaddr(), which is
 * not exported).  With syscall auditing active for the running thread, an
 * atom that moves an address returns SYSLET_EGENUINE before it does
 * anything, to be made as the genuine system call.
 *
 * In a worker, an address is resolved (AF_UNIX path names) with the
 * submitting thread's root and working directory at the hand-over, as
 * openat is (fs.c).
 *
 * With @nowait (the synchronous phase), a call that may block is tried
 * with MSG_DONTWAIT, and -EAGAIN from that attempt hands the chain to a
 * worker (SYSLET_EWOULDBLOCK), where the call blocks, interruptibly (a
 * cancelled chain's worker gets TIF_NOTIFY_SIGNAL).  A call that does not
 * block anyway (MSG_DONTWAIT, an O_NONBLOCK file) keeps its -EAGAIN.  A
 * receive with MSG_WAITALL or on a socket whose SO_RCVLOWAT is above 1
 * would stop short where the blocking call waits: it is handed over
 * without an attempt.
 */
#include <linux/audit.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "compat.h"
#include "syslet.h"

/* The socket of @fd, with a reference to its file in *@filep. */
static long syslet_sock_get(unsigned long fd, struct file **filep,
			    struct socket **sockp)
{
	struct file *file = fget(fd);

	if (!file)
		return -EBADF;
	*sockp = sock_from_file(file);
	if (unlikely(!*sockp)) {
		fput(file);
		return -ENOTSOCK;
	}
	*filep = file;
	return 0;
}

/* Would audit_sockaddr() record an address?  (See the top of the file.) */
static bool syslet_net_audited(void)
{
	return !audit_dummy_context();
}

/* move_addr_to_kernel(), which is not exported. */
static int syslet_addr_from_user(void __user *uaddr, int ulen,
				 struct sockaddr_storage *kaddr)
{
	if (ulen < 0 || ulen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (ulen == 0)
		return 0;
	if (copy_from_user(kaddr, uaddr, ulen))
		return -EFAULT;
	return syslet_net_audited() ? SYSLET_EGENUINE : 0;
}

/*
 * move_addr_to_user(), which is not exported; its audit_sockaddr() is
 * covered by the callers' check before the call.
 */
static int syslet_addr_to_user(struct sockaddr_storage *kaddr, int klen,
			       void __user *uaddr, int __user *ulen)
{
	int len;

	if (WARN_ON_ONCE(klen > sizeof(struct sockaddr_storage)))
		return -EINVAL;
	if (get_user(len, ulen))
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len && copy_to_user(uaddr, kaddr, len))
		return -EFAULT;
	/* "fromlen shall refer to the value before truncation" (1003.1g) */
	return put_user(klen, ulen);
}

/*
 * The flags of the call: MSG_DONTWAIT for an O_NONBLOCK file, as the
 * system calls add it; with @nowait, MSG_DONTWAIT for the attempt too,
 * and *@punt says that its -EAGAIN means "would block".
 */
static unsigned int syslet_net_flags(struct socket *sock, unsigned int flags,
				     bool nowait, bool *punt)
{
	if (sock->file->f_flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	*punt = nowait && !(flags & MSG_DONTWAIT);
	return *punt ? flags | MSG_DONTWAIT : flags;
}

/* Would a non-blocking attempt of this receive stop short? */
static bool syslet_recv_waits(struct socket *sock, unsigned int flags)
{
	return (flags & MSG_WAITALL) ||
	       (sock->sk && READ_ONCE(sock->sk->sk_rcvlowat) > 1);
}

/*
 * sock_sendmsg(); in a worker, with an address, as the submitting thread
 * resolves it (its root and working directory).
 */
static long syslet_sock_sendmsg(struct socket *sock, struct msghdr *msg,
				bool punt)
{
	bool enter = msg->msg_name && syslet_current_chain();
	struct syslet_fs_scope fs;
	long ret;

	if (enter)
		syslet_fs_enter(&fs);
	ret = sock_sendmsg(sock, msg);
	if (enter)
		syslet_fs_leave(&fs);
	return punt && ret == -EAGAIN ? SYSLET_EWOULDBLOCK : ret;
}

/* sendto(fd, buf, len, flags, addr, addrlen): __sys_sendto() */
long syslet_op_sendto(const unsigned long *args, bool nowait)
{
	struct sockaddr __user *uaddr = (struct sockaddr __user *)args[4];
	unsigned int flags = args[3];
	int addr_len = args[5];
	struct sockaddr_storage address;
	struct msghdr msg = {};
	struct socket *sock;
	struct file *file;
	struct iovec iov;
	bool punt;
	long err;

	err = syslet_import_ubuf(ITER_SOURCE, (void __user *)args[1], args[2],
				 &iov, &msg.msg_iter);
	if (unlikely(err))
		return err;
	err = syslet_sock_get(args[0], &file, &sock);
	if (err)
		return err;
	if (uaddr) {
		err = syslet_addr_from_user(uaddr, addr_len, &address);
		if (err)
			goto out;
		msg.msg_name = (struct sockaddr *)&address;
		msg.msg_namelen = addr_len;
	}
	flags &= ~MSG_INTERNAL_SENDMSG_FLAGS;
	msg.msg_flags = syslet_net_flags(sock, flags, nowait, &punt);
	err = syslet_sock_sendmsg(sock, &msg, punt);
out:
	fput(file);
	return err;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen): __sys_recvfrom() */
long syslet_op_recvfrom(const unsigned long *args, bool nowait)
{
	struct sockaddr __user *uaddr = (struct sockaddr __user *)args[4];
	int __user *uaddr_len = (int __user *)args[5];
	struct sockaddr_storage address;
	struct msghdr msg = {
		.msg_name = uaddr ? (struct sockaddr *)&address : NULL,
	};
	unsigned int flags = args[3];
	struct socket *sock;
	struct file *file;
	struct iovec iov;
	long err, err2;
	bool punt;

	err = syslet_import_ubuf(ITER_DEST, (void __user *)args[1], args[2],
				 &iov, &msg.msg_iter);
	if (unlikely(err))
		return err;
	err = syslet_sock_get(args[0], &file, &sock);
	if (err)
		return err;
	err = SYSLET_EGENUINE;
	if (uaddr && syslet_net_audited())
		goto out;
	flags = syslet_net_flags(sock, flags, nowait, &punt);
	err = SYSLET_EWOULDBLOCK;
	if (punt && syslet_recv_waits(sock, flags))
		goto out;
	err = sock_recvmsg(sock, &msg, flags);
	if (punt && err == -EAGAIN)
		err = SYSLET_EWOULDBLOCK;
	if (err >= 0 && uaddr) {
		err2 = syslet_addr_to_user(&address, msg.msg_namelen, uaddr,
					   uaddr_len);
		if (err2 < 0)
			err = err2;
	}
out:
	fput(file);
	return err;
}

/*
 * copy_msghdr_from_user() with __copy_msghdr(): the user's msghdr into
 * @kmsg, whose msg_name points to an address buffer; for a receive
 * (@save_addr), the user's msg_name is stored there instead of being read.
 */
static int syslet_copy_msghdr(struct msghdr *kmsg,
			      struct user_msghdr __user *umsg,
			      struct sockaddr __user **save_addr,
			      struct iovec **iov)
{
	struct user_msghdr msg;
	ssize_t err;

	if (copy_from_user(&msg, umsg, sizeof(*umsg)))
		return -EFAULT;

	kmsg->msg_control_is_user = true;
	kmsg->msg_get_inq = 0;
	kmsg->msg_control_user = msg.msg_control;
	kmsg->msg_controllen = msg.msg_controllen;
	kmsg->msg_flags = msg.msg_flags;

	kmsg->msg_namelen = msg.msg_namelen;
	if (!msg.msg_name)
		kmsg->msg_namelen = 0;
	if (kmsg->msg_namelen < 0)
		return -EINVAL;
	if (kmsg->msg_namelen > sizeof(struct sockaddr_storage))
		kmsg->msg_namelen = sizeof(struct sockaddr_storage);
	if (save_addr)
		*save_addr = msg.msg_name;
	if (msg.msg_name && kmsg->msg_namelen) {
		if (!save_addr) {
			err = syslet_addr_from_user(msg.msg_name,
						    kmsg->msg_namelen,
						    kmsg->msg_name);
			if (err)
				return err;
		}
	} else {
		kmsg->msg_name = NULL;
		kmsg->msg_namelen = 0;
	}
	if (msg.msg_iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	kmsg->msg_iocb = NULL;
	kmsg->msg_ubuf = NULL;

	err = import_iovec(save_addr ? ITER_DEST : ITER_SOURCE, msg.msg_iov,
			   msg.msg_iovlen, UIO_FASTIOV, iov, &kmsg->msg_iter);
	return err < 0 ? err : 0;
}

/* ____sys_sendmsg() for sendmsg(2): the control data, the flags, the call. */
static long syslet_sendmsg_sys(struct socket *sock, struct msghdr *msg,
			       unsigned int flags, bool nowait)
{
	/* 20 is the size of ipv6_pktinfo, as in net/socket.c */
	unsigned char ctl[sizeof(struct cmsghdr) + 20]
				__aligned(sizeof(__kernel_size_t));
	unsigned char *ctl_buf = ctl;
	bool punt;
	int ctl_len;
	long err;

	err = -ENOBUFS;
	if (msg->msg_controllen > INT_MAX)
		goto out;
	ctl_len = msg->msg_controllen;
	if (ctl_len) {
		if (ctl_len > sizeof(ctl)) {
			ctl_buf = sock_kmalloc(sock->sk, ctl_len, GFP_KERNEL);
			if (!ctl_buf)
				goto out;
		}
		err = -EFAULT;
		if (copy_from_user(ctl_buf, msg->msg_control_user, ctl_len))
			goto out_freectl;
		msg->msg_control = ctl_buf;
		msg->msg_control_is_user = false;
	}
	flags &= ~MSG_INTERNAL_SENDMSG_FLAGS;
	msg->msg_flags = syslet_net_flags(sock, flags, nowait, &punt);
	err = syslet_sock_sendmsg(sock, msg, punt);
out_freectl:
	if (ctl_buf != ctl)
		sock_kfree_s(sock->sk, ctl_buf, ctl_len);
out:
	return err;
}

/* sendmsg(fd, msg, flags): __sys_sendmsg() */
long syslet_op_sendmsg(const unsigned long *args, bool nowait)
{
	struct user_msghdr __user *umsg = (struct user_msghdr __user *)args[1];
	struct iovec iovstack[UIO_FASTIOV], *iov = iovstack;
	unsigned int flags = args[2];
	struct sockaddr_storage address;
	struct msghdr msg = { .msg_name = &address };
	struct socket *sock;
	struct file *file;
	long err;

	if (flags & MSG_CMSG_COMPAT)
		return -EINVAL;
	err = syslet_sock_get(args[0], &file, &sock);
	if (err)
		return err;
	err = syslet_copy_msghdr(&msg, umsg, NULL, &iov);
	if (!err) {
		err = syslet_sendmsg_sys(sock, &msg, flags, nowait);
		kfree(iov);
	}
	fput(file);
	return err;
}

/*
 * ____sys_recvmsg() for recvmsg(2): the call, then the address, the flags
 * and the control length back to the user's msghdr.
 */
static long syslet_recvmsg_sys(struct socket *sock, struct msghdr *msg,
			       struct user_msghdr __user *umsg,
			       struct sockaddr __user *uaddr,
			       unsigned int flags, bool nowait)
{
	struct sockaddr_storage addr;
	unsigned long cmsg_ptr;
	bool punt;
	long err, len;

	msg->msg_name = &addr;
	cmsg_ptr = (unsigned long)msg->msg_control;
	msg->msg_flags = flags & (MSG_CMSG_CLOEXEC | MSG_CMSG_COMPAT);
	/* We assume all kernel code knows the size of sockaddr_storage */
	msg->msg_namelen = 0;

	if (uaddr && syslet_net_audited())
		return SYSLET_EGENUINE;
	flags = syslet_net_flags(sock, flags, nowait, &punt);
	if (punt && syslet_recv_waits(sock, flags))
		return SYSLET_EWOULDBLOCK;
	err = sock_recvmsg(sock, msg, flags);
	if (punt && err == -EAGAIN)
		return SYSLET_EWOULDBLOCK;
	if (err < 0)
		return err;
	len = err;

	if (uaddr) {
		err = syslet_addr_to_user(&addr, msg->msg_namelen, uaddr,
					  &umsg->msg_namelen);
		if (err < 0)
			return err;
	}
	if (put_user(msg->msg_flags & ~MSG_CMSG_COMPAT, &umsg->msg_flags))
		return -EFAULT;
	if (put_user((unsigned long)msg->msg_control - cmsg_ptr,
		     &umsg->msg_controllen))
		return -EFAULT;
	return len;
}

/* recvmsg(fd, msg, flags): __sys_recvmsg() */
long syslet_op_recvmsg(const unsigned long *args, bool nowait)
{
	struct user_msghdr __user *umsg = (struct user_msghdr __user *)args[1];
	struct iovec iovstack[UIO_FASTIOV], *iov = iovstack;
	unsigned int flags = args[2];
	struct sockaddr __user *uaddr;
	struct msghdr msg = {};
	struct socket *sock;
	struct file *file;
	long err;

	if (flags & MSG_CMSG_COMPAT)
		return -EINVAL;
	err = syslet_sock_get(args[0], &file, &sock);
	if (err)
		return err;
	err = syslet_copy_msghdr(&msg, umsg, &uaddr, &iov);
	if (!err) {
		err = syslet_recvmsg_sys(sock, &msg, umsg, uaddr, flags,
					 nowait);
		kfree(iov);
	}
	fput(file);
	return err;
}
