/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * RDMA netlink (NETLINK_RDMA, the NLDEV client) as seen from a process:
 * enough of the kernel's answers for libibverbs to enumerate the emulated
 * devices and learn their uverbs char device and driver id.
 *
 * A netlink socket is one end of an AF_UNIX datagram socketpair; the
 * emulator keeps the other end and writes the kernel's answers into it while
 * the request is being sent, so the application's recvmsg() just reads them.
 * IRDMA_EMU_NETLINK=0 refuses the protocol instead (EPROTONOSUPPORT), which
 * makes libibverbs fall back to sysfs-only discovery.
 */
#ifndef IRDMA_EMU_NETLINK_H
#define IRDMA_EMU_NETLINK_H

/*
 * socket(AF_NETLINK, @type, NETLINK_RDMA): the fd (registered in the fd
 * table), or -1 with errno set.
 */
int emu_netlink_socket(int type);

#endif /* IRDMA_EMU_NETLINK_H */
