package p11

import (
	"path/filepath"
	"strings"
)

// javaValueOptions are the java launcher options whose value is the next
// argument; the first other non-option argument is the main class.
var javaValueOptions = map[string]bool{
	"-cp": true, "-classpath": true, "--class-path": true, "-p": true, "--module-path": true,
	"--upgrade-module-path": true, "--add-modules": true, "--add-exports": true, "--add-opens": true,
	"--add-reads": true, "--patch-module": true, "--limit-modules": true, "--enable-native-access": true,
}

// ProgramName names the program of a process from its arguments (os.Args),
// as the signing log shows it: the base name of argv[0], except for a
// java launcher running a JAR (`java [options] -jar apksigner.jar ...`,
// which is how Debian's apksigner script runs), which is named after the
// JAR without ".jar". The JDK's own tools (jarsigner, keytool) are native
// launchers and keep their own names; a java running a class is "java".
func ProgramName(args []string) string {
	if len(args) == 0 || args[0] == "" {
		return ""
	}
	name := filepath.Base(args[0])
	if name != "java" {
		return name
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-jar":
			if i+1 < len(args) && args[i+1] != "" {
				return strings.TrimSuffix(filepath.Base(args[i+1]), ".jar")
			}
			return name
		case javaValueOptions[a]:
			i++ // its value
		case !strings.HasPrefix(a, "-"):
			return name // the main class (or source file): its arguments follow
		}
	}
	return name
}
