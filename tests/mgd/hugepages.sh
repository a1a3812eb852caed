#!/bin/sh
# mgd runs with glibc's malloc on transparent huge pages (mgd/mem.c,
# mem_exec_hugepages): it executes itself once with GLIBC_TUNABLES holding
# glibc.malloc.hugetlb=1, so its heap is advised for huge pages (the `hg`
# flag of the mapping), also when the operator set a tunable of his own;
# the process a supervisor started is the one that serves (the same pid,
# written to mgd.pid, and the same name), and it answers as before.
. "$(dirname "$0")/lib.sh"

GLIBC_TUNABLES=glibc.malloc.perturb=0
export GLIBC_TUNABLES
t_start
printf 'configure\nset system host-name hp1\ncommit\n' | t_cli > "$T_DIR/out" 2>&1
grep -q "commit complete" "$T_DIR/out" || t_fail "commit: $(cat "$T_DIR/out")"
[ "$(cat "/proc/$T_MGD_PID/comm")" = mgd ] ||
    t_fail "mgd runs as '$(cat "/proc/$T_MGD_PID/comm")'"
[ "$(cat "$T_DIR/state/mgd.pid")" = "$T_MGD_PID" ] ||
    t_fail "mgd.pid $(cat "$T_DIR/state/mgd.pid"), started $T_MGD_PID"
if [ "${QSAFE_SANITIZE:-none}" != none ]; then
	echo "skip: the sanitizers' malloc is not glibc's"
	t_stop
	exit 77
fi
if grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
	echo "skip: transparent huge pages are off on this system"
	t_stop
	exit 77
fi
flags=$(awk '/ \[heap\]$/ { h = 1 } h && /^VmFlags:/ { print; exit }' \
    "/proc/$T_MGD_PID/smaps")
case " $flags " in
*" hg "*) ;;
*) t_fail "mgd's heap not advised for huge pages: '$flags'" ;;
esac
t_stop
echo "ok"
