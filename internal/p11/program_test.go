package p11

import "testing"

func TestProgramName(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"none", nil, ""},
		{"empty argv[0]", []string{""}, ""},
		{"native tool", []string{"/usr/bin/osslsigncode", "sign", "-jar", "x.jar"}, "osslsigncode"},
		{"JDK launcher", []string{"jarsigner", "-keystore", "NONE"}, "jarsigner"},
		{"apksigner script", []string{"java", "-Xmx1024M", "-Djava.library.path=", "-jar", "/usr/share/java/apksigner.jar", "sign", "--ks", "NONE"}, "apksigner"},
		{"full java path", []string{"/usr/lib/jvm/java-17/bin/java", "-jar", "bundletool.jar"}, "bundletool"},
		{"options with values", []string{"java", "-cp", "-jar", "--add-exports", "a/b=ALL-UNNAMED", "-jar", "tool.jar"}, "tool"},
		{"main class", []string{"java", "-cp", "lib/*", "org.example.Main", "-jar", "other.jar"}, "java"},
		{"source file", []string{"java", "--add-modules", "jdk.crypto.cryptoki", "Probe.java", "-jar", "x.jar"}, "java"},
		{"-jar last", []string{"java", "-jar"}, "java"},
		{"no main", []string{"java", "-version"}, "java"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProgramName(tt.args); got != tt.want {
				t.Errorf("ProgramName(%q) = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}
