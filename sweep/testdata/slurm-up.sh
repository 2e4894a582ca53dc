#!/usr/bin/env bash
# Starts (or stops) a single-node Slurm cluster on this machine for the sweep
# tests: munged, slurmctld and slurmd as root, with a minimal slurm.conf in DIR.
#
#   slurm-up.sh DIR        start; prints "export SLURM_CONF=DIR/slurm.conf"
#   slurm-up.sh DIR stop   stop the daemons started in DIR
#
# Needs Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge).
# Works without cgroups (containers): proctrack/linuxproc, task/none, no
# accounting. Ports 16817/16818 keep clear of a system Slurm.
set -euo pipefail
dir=${1:?usage: slurm-up.sh DIR [stop]}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stopd() {
  for p in slurmd slurmctld munged; do
    if [ -f "$dir/$p.pid" ]; then
      pid=$(cat "$dir/$p.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/$p.pid"
    fi
  done
}
if [ "${2:-}" = stop ]; then stopd; exit 0; fi
for b in munged slurmctld slurmd sbatch; do
  command -v "$b" >/dev/null || { echo "slurm-up: $b not found (apt-get install -y slurm-wlm munge)" >&2; exit 3; }
done
stopd
mkdir -p "$dir/state" "$dir/spool" "$dir/munge" "$dir/log"
chmod 700 "$dir/munge"
# munge: a key of our own and a socket in DIR (Slurm's AuthInfo points at it).
if [ ! -f "$dir/munge/munge.key" ]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
fi
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed"
mem=$(awk '/MemTotal/ {print int($2/1024*0.9)}' /proc/meminfo)
cpus=$(nproc)
cat >"$dir/slurm.conf" <<CONF
ClusterName=dalesim
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=30
NodeName=localhost NodeHostname=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF" -N localhost
# Wait until the node is idle (at most 60 s).
for _ in $(seq 120); do
  if sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
echo "slurm-up: the node did not come up; logs in $dir/log" >&2
sinfo -N -l >&2 || true
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
exit 1
