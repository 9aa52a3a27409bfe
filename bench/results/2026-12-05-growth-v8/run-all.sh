#!/usr/bin/env bash
set -u
while ! grep -q "^rc " /tmp/hist-src-build.log; do sleep 5; done
grep -q "^rc 0" /tmp/hist-src-build.log || { echo "build failed"; exit 1; }
cp /tmp/hist-src/build/hearth-call /tmp/hist-src/build/hearth-bench /tmp/hist-src/build/hearth-seed /tmp/hist-after2/
cp /tmp/hist-after2/hearth-call /tmp/hist-ab/hearth-call-after
for n in 100000 1000000; do
  s=$(date +%s.%N)
  DATABASE_URL=sqlite:///tmp/hearth-grow/$n.db /tmp/hist-after2/hearth-call migrate
  e=$(date +%s.%N)
  echo "$n migrate (live-members design): $(echo "$e - $s" | bc) s" >> /tmp/hist-res/migrate.txt
done
rm -rf /tmp/hist-res/before2 /tmp/hist-res/after2
/tmp/hist-old-root/bench/data_growth.sh --sizes "0 100000 1000000" --runs 3 --duration 10 --build /tmp/hist-before --out /tmp/hist-res/before2 > /tmp/hist-res/before2.log 2>&1
/work/main/bench/data_growth.sh --sizes "0 100000 1000000" --runs 3 --duration 10 --build /tmp/hist-after2 --out /tmp/hist-res/after2 > /tmp/hist-res/after2.log 2>&1
HEARTH_THREADS=1 /tmp/hist-ab/ab.sh 3 10 /tmp/hist-ab/out /tmp/hist-ab/hearth-call-before /tmp/hist-ab/hearth-call-after > /tmp/hist-ab/ab.log 2>&1
echo ALLDONE >> /tmp/hist-res/migrate.txt
