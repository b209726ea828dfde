// SignalProbe loads libsignet-pkcs11 into a JVM the way SunPKCS11 does and
// signs with it from several threads while the main thread makes the JVM
// take its own hardware faults (implicit null checks, integer division by
// zero, stack overflow), which HotSpot handles through SIGSEGV and SIGFPE.
// It prints the JVM's signal handler table before and after loading the
// module, then one line per signature (hex) and the fault counts.
//
//	java --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED \
//	    SignalProbe.java MODULE ALIAS MECHANISM SIGNATURES OUTDIR
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.ObjectName;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.PKCS11;

public class SignalProbe {
    static final long CKA_CLASS = 0, CKA_LABEL = 3, CKO_PRIVATE_KEY = 3, CKF_SERIAL_SESSION = 4;

    public static void main(String[] args) throws Exception {
        String module = args[0], alias = args[1];
        long mech = Long.decode(args[2]);
        int n = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        System.out.println("before: " + handlers());
        PKCS11 p11 = PKCS11.getInstance(module, "C_GetFunctionList", null, false);
        long slot = p11.C_GetSlotList(true)[0];
        System.out.println("after: " + handlers());

        AtomicInteger faults = new AtomicInteger();
        Thread stress = new Thread(() -> faults.addAndGet(faultLoop(2_000_000)));
        stress.start();
        List<Thread> signers = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            final int worker = w;
            Thread t = new Thread(() -> {
                try {
                    long s = p11.C_OpenSession(slot, CKF_SERIAL_SESSION, null, null);
                    p11.C_FindObjectsInit(s, new CK_ATTRIBUTE[] {
                        new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY), new CK_ATTRIBUTE(CKA_LABEL, alias.toCharArray())});
                    long[] keys = p11.C_FindObjects(s, 2);
                    p11.C_FindObjectsFinal(s);
                    if (keys.length != 1) throw new IllegalStateException(keys.length + " keys labelled " + alias);
                    for (int i = worker; i < n; i += 4) {
                        byte[] data = ("message " + i).getBytes();
                        p11.C_SignInit(s, new CK_MECHANISM(mech), keys[0]);
                        Files.write(out.resolve("msg" + i), data);
                        Files.write(out.resolve("sig" + i), p11.C_Sign(s, data));
                        faultLoop(20_000);
                    }
                    p11.C_CloseSession(s);
                } catch (Throwable e) {
                    synchronized (errors) { errors.add(e); }
                }
            });
            t.start();
            signers.add(t);
        }
        for (Thread t : signers) t.join();
        stress.join();
        for (Throwable e : errors) e.printStackTrace();
        System.out.println("faults: " + faults.get());
        System.out.println(errors.isEmpty() ? "PROBE OK" : "PROBE FAILED");
        System.exit(errors.isEmpty() ? 0 : 1);
    }

    // faultLoop makes the JVM handle SIGSEGV (null checks, stack banging)
    // and SIGFPE (idiv by zero) in compiled code; it returns the count.
    static int faultLoop(int n) {
        int caught = 0;
        Object[] objs = {null, "x"};
        int zero = 0;
        for (int i = 0; i < n; i++) {
            try {
                caught += objs[i & 1].hashCode() == 0 ? 1 : 0;
            } catch (NullPointerException e) {
                caught++;
            }
            try {
                caught += 7 / ((i & 1) * zero + ((i & 2) >> 1));
            } catch (ArithmeticException e) {
                caught++;
            }
        }
        for (int i = 0; i < 3; i++) {
            try {
                deep(0);
            } catch (StackOverflowError e) {
                caught++;
            }
        }
        return caught;
    }

    static int deep(int d) { return deep(d + 1) + 1; }

    // handlers returns the JVM's own view of its signal handlers (VM.info).
    static String handlers() throws Exception {
        String info = (String) ManagementFactory.getPlatformMBeanServer().invoke(
            new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmInfo",
            new Object[] {null}, new String[] {String[].class.getName()});
        StringBuilder b = new StringBuilder();
        for (String line : info.split("\n")) {
            for (String sig : new String[] {"SIGSEGV:", "SIGBUS:", "SIGFPE:", "SIGPIPE:"}) {
                if (line.trim().startsWith(sig)) b.append("\n  ").append(line.trim());
            }
        }
        // SIGURG (Go's preemption signal) is not in HotSpot's table: show
        // whether the process catches it, from the kernel's mask.
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigCgt:")) {
                long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                b.append("\n  SIGURG caught: ").append((mask >> 22 & 1) == 1);
            }
        }
        return b.toString();
    }
}
