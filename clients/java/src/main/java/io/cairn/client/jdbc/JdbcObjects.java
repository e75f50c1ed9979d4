package io.cairn.client.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JDBC interfaces are large and most of their methods have no meaning over Cairn's API (updatable
 * result sets, savepoints, stored procedures, LOBs by locator...). Each of this driver's objects is a
 * small class with the methods it supports, under the same signatures as the interface's; a proxy of the
 * interface calls them, and answers every other method with {@link SQLFeatureNotSupportedException} naming
 * it, or, for a {@link Lenient} object (the database metadata), with "no" ({@code false}, 0, {@code null}, an
 * empty result set).
 * {@code unwrap}/{@code isWrapperFor} reach the object itself.
 */
final class JdbcObjects {
    /** Marks an object whose unsupported methods answer "no" instead of throwing. */
    interface Lenient {}

    /**
     * An object that can be closed: once {@link #isClosed}, every method but those JDBC allows on a closed
     * object ({@link #OPEN_WHEN_CLOSED}) throws, 08003 for a connection and HY010 for the others.
     */
    interface Closes {
        boolean isClosed();
    }

    private static final java.util.Set<String> OPEN_WHEN_CLOSED = java.util.Set.of("close", "isClosed", "isValid", "unwrap", "isWrapperFor",
            "hashCode", "equals", "toString");

    private static final Map<Class<?>, Map<String, Method>> METHODS = new ConcurrentHashMap<>();

    private JdbcObjects() {}

    static <T> T proxy(Class<T> iface, Object impl) {
        InvocationHandler h = (proxy, method, args) -> {
            if (impl instanceof Closes c && !OPEN_WHEN_CLOSED.contains(method.getName()) && c.isClosed()) {
                throw new SQLException("the " + iface.getSimpleName() + " is closed", iface == java.sql.Connection.class ? "08003" : "HY010");
            }
            Method own = find(impl.getClass(), method);
            if (own != null) {
                try {
                    return own.invoke(impl, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            switch (method.getName()) {
                case "unwrap" -> {
                    Class<?> want = (Class<?>) args[0];
                    if (want.isInstance(impl)) return impl;
                    if (want.isInstance(proxy)) return proxy;
                    throw new SQLException("not a wrapper for " + want.getName());
                }
                case "isWrapperFor" -> {
                    return ((Class<?>) args[0]).isInstance(impl) || ((Class<?>) args[0]).isInstance(proxy);
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "toString" -> {
                    return impl.toString();
                }
                default -> { }
            }
            if (method.isDefault()) return InvocationHandler.invokeDefault(proxy, method, args);
            if (impl instanceof Lenient) return nothing(method.getReturnType());
            throw new SQLFeatureNotSupportedException(iface.getSimpleName() + "." + method.getName() + " is not supported by Cairn's driver", "0A000");
        };
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, h));
    }

    private static Method find(Class<?> type, Method wanted) {
        Map<String, Method> methods = METHODS.computeIfAbsent(type, t -> {
            Map<String, Method> m = new ConcurrentHashMap<>();
            for (Method candidate : t.getDeclaredMethods()) {
                if (java.lang.reflect.Modifier.isStatic(candidate.getModifiers()) || candidate.isSynthetic()) continue;
                candidate.setAccessible(true);
                m.put(signature(candidate), candidate);
            }
            return m;
        });
        return methods.get(signature(wanted));
    }

    private static String signature(Method m) {
        StringBuilder b = new StringBuilder(m.getName()).append('(');
        for (Class<?> p : m.getParameterTypes()) b.append(p.getName()).append(',');
        return b.append(')').toString();
    }

    private static Object nothing(Class<?> type) {
        if (type == java.sql.ResultSet.class) return JdbcResultSet.of(java.util.List.of(), java.util.List.of(), null);
        if (type == boolean.class) return false;
        if (type == int.class) return 0;
        if (type == long.class) return 0L;
        if (type == short.class) return (short) 0;
        return null;
    }
}
