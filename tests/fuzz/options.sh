# libFuzzer options per harness, shared by run.sh and replay.sh (sourced).
#   -max_len     the dump harness takes real dumps of up to 64 KiB; requests
#                are at most DIAL9_CTL_MAX_REQUEST; configs a few KiB
#   -rss_limit_mb the dump reader runs with a 2^20-event cap (fuzz_dump.c):
#                64 MiB of events and about as much analysis, so 1.5 GiB is
#                far above what any input may take
#   -timeout     seconds per input
fuzz_opts() {
	case "$1" in
	fuzz_dump) echo "-max_len=65536 -rss_limit_mb=1536 -timeout=20 -malloc_limit_mb=1024" ;;
	fuzz_ctl_proto) echo "-max_len=1024 -rss_limit_mb=512 -timeout=5" ;;
	fuzz_config) echo "-max_len=16384 -rss_limit_mb=512 -timeout=5" ;;
	*) echo "-rss_limit_mb=1024 -timeout=10" ;;
	esac
}
