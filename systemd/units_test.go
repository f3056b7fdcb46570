package systemd

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// unitFile is a parsed systemd unit: for each section, its assignments in
// file order. A key may be assigned more than once.
type unitFile map[string][]assignment

type assignment struct {
	key   string
	value string
	line  int
}

// parseUnit reads a unit file in the syntax of systemd.syntax(7): sections
// in brackets, KEY=VALUE lines, comments starting with # or ;, and a
// trailing backslash that continues a line.
func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open unit: %v", err)
	}
	defer f.Close()

	unit := unitFile{}
	section := ""
	scanner := bufio.NewScanner(f)
	lineNumber := 0
	for scanner.Scan() {
		lineNumber++
		line := strings.TrimSpace(scanner.Text())
		start := lineNumber
		for strings.HasSuffix(line, `\`) && scanner.Scan() {
			lineNumber++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(scanner.Text())
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s:%d: line is neither a section, a comment nor KEY=VALUE: %q", path, start, line)
		}
		if section == "" {
			t.Fatalf("%s:%d: assignment %q comes before the first section", path, start, line)
		}
		unit[section] = append(unit[section], assignment{
			key: strings.TrimSpace(key), value: strings.TrimSpace(value), line: start})
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read unit: %v", err)
	}
	return unit
}

// values returns every value assigned to key in section.
func (u unitFile) values(section, key string) []string {
	var values []string
	for _, a := range u[section] {
		if a.key == key {
			values = append(values, a.value)
		}
	}
	return values
}

// value returns the last value assigned to key in section, which is the
// one in effect for settings that are not lists.
func (u unitFile) value(section, key string) string {
	values := u.values(section, key)
	if len(values) == 0 {
		return ""
	}
	return values[len(values)-1]
}

// knownKeys lists, per section, the directives of systemd 252 that the
// units may use: systemd.unit(5) for [Unit] and [Install];
// systemd.service(5), systemd.exec(5), systemd.kill(5) and
// systemd.resource-control(5) for [Service]. The list catches misspelled
// keys, which systemd only warns about and ignores. It is a subset of
// systemd's directives, so a unit that starts using another directive
// must add it here.
var knownKeys = map[string][]string{
	"Unit": {
		"Description", "Documentation", "Wants", "Requires", "After", "Before",
		"BindsTo", "PartOf", "Conflicts", "ConditionPathExists",
		"StartLimitIntervalSec", "StartLimitBurst",
	},
	"Service": {
		// systemd.service(5)
		"Type", "NotifyAccess", "ExecStart", "ExecStartPre", "ExecStartPost",
		"ExecReload", "ExecStop", "ExecStopPost", "Restart", "RestartSec",
		"RestartPreventExitStatus", "SuccessExitStatus", "WatchdogSec",
		"TimeoutStartSec", "TimeoutStopSec", "TimeoutSec", "RemainAfterExit",
		"PIDFile",
		// systemd.exec(5)
		"User", "Group", "DynamicUser", "SupplementaryGroups", "WorkingDirectory",
		"Environment", "EnvironmentFile", "UMask", "Nice", "IOSchedulingClass",
		"IOSchedulingPriority", "CPUSchedulingPolicy",
		"StateDirectory", "StateDirectoryMode", "RuntimeDirectory",
		"RuntimeDirectoryMode", "RuntimeDirectoryPreserve", "CacheDirectory",
		"LogsDirectory", "ConfigurationDirectory",
		"NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities",
		"PrivateTmp", "PrivateDevices", "PrivateNetwork", "PrivateUsers",
		"ProtectSystem", "ProtectHome", "ReadWritePaths", "ReadOnlyPaths",
		"InaccessiblePaths", "ProtectKernelTunables", "ProtectKernelModules",
		"ProtectKernelLogs", "ProtectControlGroups", "ProtectClock",
		"ProtectHostname", "ProtectProc", "ProcSubset",
		"RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime",
		"RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute",
		"RemoveIPC", "SystemCallArchitectures", "SystemCallFilter",
		"SystemCallErrorNumber", "StandardOutput", "StandardError",
		"SyslogIdentifier", "LimitNOFILE",
		// systemd.kill(5)
		"KillMode", "KillSignal", "SendSIGKILL",
		// systemd.resource-control(5)
		"MemoryHigh", "MemoryMax", "CPUQuota", "IOWeight", "TasksMax",
	},
	"Install": {"WantedBy", "RequiredBy", "Alias", "Also", "DefaultInstance"},
}

var unitPaths = []string{"photosync.service", "photosync@.service"}

func TestUnitsUseKnownKeys(t *testing.T) {
	for _, path := range unitPaths {
		unit := parseUnit(t, path)
		for section, assignments := range unit {
			known, ok := knownKeys[section]
			if !ok {
				t.Errorf("%s: unknown section [%s]", path, section)
				continue
			}
			for _, a := range assignments {
				if !slices.Contains(known, a.key) {
					t.Errorf("%s:%d: unknown key %q in [%s]", path, a.line, a.key, section)
				}
			}
		}
	}
}

func TestUnitsStartDaemonWithNotify(t *testing.T) {
	for _, path := range unitPaths {
		unit := parseUnit(t, path)
		if got := unit.value("Service", "Type"); got != "notify" {
			t.Errorf("%s: Type=%q, want notify", path, got)
		}
		starts := unit.values("Service", "ExecStart")
		if len(starts) != 1 {
			t.Fatalf("%s: %d ExecStart lines, want 1", path, len(starts))
		}
		args := strings.Fields(starts[0])
		if len(args) < 4 {
			t.Fatalf("%s: ExecStart=%q, want BINARY daemon --config FILE", path, starts[0])
		}
		if !strings.HasSuffix(args[0], "/photosync") {
			t.Errorf("%s: ExecStart runs %q, want a path ending in /photosync", path, args[0])
		}
		if args[1] != "daemon" {
			t.Errorf("%s: ExecStart runs subcommand %q, want daemon", path, args[1])
		}
		if args[2] != "--config" || !strings.HasSuffix(args[3], ".yaml") {
			t.Errorf("%s: ExecStart=%q does not pass --config FILE.yaml", path, starts[0])
		}
	}
}

// TestUnitsHarden checks the settings that keep the daemon restarting and
// confined.
func TestUnitsHarden(t *testing.T) {
	want := map[string]string{
		"Restart":                 "on-failure",
		"NoNewPrivileges":         "yes",
		"PrivateTmp":              "yes",
		"ProtectSystem":           "strict",
		"LockPersonality":         "yes",
		"RestrictRealtime":        "yes",
		"RestrictSUIDSGID":        "yes",
		"SystemCallArchitectures": "native",
		"UMask":                   "0077",
	}
	for _, path := range unitPaths {
		unit := parseUnit(t, path)
		for key, value := range want {
			if got := unit.value("Service", key); got != value {
				t.Errorf("%s: %s=%q, want %q", path, key, got, value)
			}
		}
		if unit.value("Service", "WatchdogSec") == "" {
			t.Errorf("%s: no WatchdogSec", path)
		}
		if len(unit.values("Service", "ReadWritePaths")) == 0 {
			t.Errorf("%s: ProtectSystem=strict without ReadWritePaths leaves the photo folders read-only", path)
		}
		if unit.value("Install", "WantedBy") == "" {
			t.Errorf("%s: no WantedBy, so enable does nothing", path)
		}
	}
}

func TestUserUnitPaths(t *testing.T) {
	unit := parseUnit(t, "photosync.service")
	if got := unit.value("Service", "StateDirectory"); got != "photosync" {
		t.Errorf("StateDirectory=%q, want photosync, the default state_dir under $XDG_STATE_HOME", got)
	}
	paths := unit.values("Service", "ReadWritePaths")
	for _, want := range []string{"%E/photosync", "%t", "-%h/.local/state/photosync"} {
		if !slices.Contains(paths, want) {
			t.Errorf("ReadWritePaths %v lacks %s, where the daemon writes the token file or the socket", paths, want)
		}
	}
	if got := unit.value("Service", "User"); got != "" {
		t.Errorf("user unit sets User=%q, which a user manager cannot switch to", got)
	}
}

func TestTemplateUnitPaths(t *testing.T) {
	unit := parseUnit(t, "photosync@.service")
	for key, want := range map[string]string{
		"User":             "%i",
		"StateDirectory":   "photosync/%i",
		"RuntimeDirectory": "photosync/%i",
	} {
		if got := unit.value("Service", key); got != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	if got := unit.value("Install", "WantedBy"); got != "multi-user.target" {
		t.Errorf("WantedBy=%q, want multi-user.target", got)
	}
}
