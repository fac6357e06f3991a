/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dial9_ctl.h - values of the BPF maps the daemon writes, shared by
 * dial9.bpf.c and daemon/recorder.c.  No includes (see dial9_event.h).
 */
#ifndef DIAL9_CTL_H
#define DIAL9_CTL_H

/* procs map value: per-process switches flipped at run time. */
struct dial9_proc_ctl {
	__u32 poll_wake_off; /* non-zero: poll and wake probes record nothing */
	__u32 pad;
};

#endif /* DIAL9_CTL_H */
