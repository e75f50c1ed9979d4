package io.cairn.edge.http;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The methods each path of one edge takes: what a 405's {@code Allow} header lists (RFC 9110 section 15.5.6
 * requires it). Filled while the edge registers its routes, read by every request after that; a path
 * template's {@code {name}} matches one non-empty segment, as in Javalin's router, and a trailing slash is
 * ignored, as Javalin ignores it.
 */
final class AllowedMethods {
    private record Route(String method, List<String> segments) {}

    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** Records that {@code template} (e.g. {@code /v1/tenants/{tenant}}) takes {@code method}. */
    void add(String method, String template) {
        routes.add(new Route(method, segments(template)));
    }

    /** The methods routes matching {@code path} take, sorted; empty when no route has this path. */
    Set<String> of(String path) {
        List<String> asked = segments(path);
        Set<String> methods = new TreeSet<>();
        for (Route r : routes) {
            if (matches(r.segments(), asked)) methods.add(r.method());
        }
        return methods;
    }

    /** The value of an {@code Allow} header for {@code path}: its methods, comma-separated. */
    String header(String path) {
        return String.join(", ", of(path));
    }

    private static boolean matches(List<String> template, List<String> path) {
        if (template.size() != path.size()) return false;
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            boolean param = t.startsWith("{") && t.endsWith("}");
            if (param ? path.get(i).isEmpty() : !t.equals(path.get(i))) return false;
        }
        return true;
    }

    private static List<String> segments(String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        return List.of(p.split("/", -1));
    }
}
