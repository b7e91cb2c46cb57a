/**
 * Tracepoints for the JVM: static hooks that cost what an empty method costs while no probe is
 * attached, probes attached and detached at run time, and a registry for tracers.
 *
 * <ul>
 *   <li>{@link io.tracepoint4j.Tracepoint}: define ({@code define}, {@code defineFaultable},
 *       {@code builder}), fire ({@code fire()}, {@code enabled()}), {@code register},
 *       {@code unregister}, {@code synchronizeUnregister}.
 *   <li>{@link io.tracepoint4j.Tracepoints}: every tracepoint of the JVM ({@code all}, {@code lookup},
 *       {@code find}), listeners told of tracepoints defined later, and the all-flavor
 *       {@code synchronizeUnregister}.
 * </ul>
 *
 * <p>Probe arrays are protected by the grace-period engine of {@code io.tracepoint4j.rcu}: classic
 * RCU for regular tracepoints, SRCU for faultable ones.
 */
package io.tracepoint4j;
