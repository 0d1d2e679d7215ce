package dev.orchestrate.vast;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.VastSection;
import dev.orchestrate.core.step.StepId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The vast plan's prices: the most the run could cost at the ceiling (capped by the budget) on the
 * provision step, and, when the API answers, the top offers now and the cost at the best one.
 */
final class PricedPlan {
  private final VastSession session;

  PricedPlan(VastSession session) {
    this.session = session;
  }

  Plan of(Plan base, VastSection v) {
    return ofFleet(base, v, 1);
  }

  /**
   * The plan of {@code replicas} machines rented at once: the hourly price and the rental's cost
   * times the machines (up to the budget, which covers the whole fleet).
   */
  Plan ofFleet(Plan base, VastSection v, int replicas) {
    List<String> notes = new ArrayList<>();
    List<PlannedStep> steps = new ArrayList<>(base.steps());
    int rent = indexOf(steps, StepId.PROVISION);
    if (v == null) {
      notes.add("target.vast is missing: offer constraints and a price ceiling are needed");
      return new Plan(base.profile(), base.target(), steps, notes);
    }
    if (v.maxPricePerHour() == null) {
      notes.add("target.vast.maxPricePerHour is not set: up will refuse to rent");
      return new Plan(base.profile(), base.target(), steps, notes);
    }
    double cost = replicas * v.maxPricePerHour() * base.totalEstimate().toSeconds() / 3600.0;
    Double budget = v.budget() == null ? null : v.budget().maxTotalUsd();
    if (budget != null) {
      cost = Math.min(cost, budget);
    }
    steps.set(rent, steps.get(rent).withCost(Math.round(cost * 100) / 100.0));
    String fleet =
        replicas == 1
            ? ""
            : String.format(Locale.ROOT, "%d machines × $%.2f/h = ", replicas, v.maxPricePerHour());
    notes.add(
        String.format(
            Locale.ROOT,
            "%sat most $%.2f/h; about %d min of rental ≈ at most $%.2f%s",
            fleet,
            replicas * v.maxPricePerHour(),
            base.totalEstimate().toMinutes(),
            cost,
            budget == null ? "" : String.format(Locale.ROOT, " (budget $%.2f)", budget)));
    if (budget != null && replicas > 1) {
      notes.add(
          String.format(
              Locale.ROOT,
              "the budget $%.2f covers the fleet: %.1f h of %d machines at the ceiling",
              budget,
              budget / (replicas * v.maxPricePerHour()),
              replicas));
    }
    try {
      VastSession.Api api = session.api(EventSink.discard());
      List<RankedOffer> top = api.selector().select(OfferConstraints.from(v), Set.of());
      notes.add("offers searched at " + api.baseUrl() + ": " + top.size() + " match");
      top.stream().limit(5).forEach(o -> notes.add("  " + o.describe()));
      if (top.isEmpty()) {
        notes.add(
            "no offer matches now: up would fail; relax the constraints or raise the ceiling");
      } else {
        notes.add(
            String.format(
                Locale.ROOT,
                "estimated cost at the best offer%s: $%.4f/h x %d min = $%.2f",
                replicas == 1 ? "" : " for " + replicas + " machines",
                replicas * top.get(0).pricePerHour(),
                base.totalEstimate().toMinutes(),
                replicas * top.get(0).pricePerHour() * base.totalEstimate().toSeconds() / 3600.0));
        if (top.size() < replicas) {
          notes.add(
              "only "
                  + top.size()
                  + " offers match now for "
                  + replicas
                  + " machines: up would rent fewer, or fail");
        }
        steps.set(
            rent,
            steps
                .get(rent)
                .withTitle(
                    replicas == 1
                        ? "Rent " + top.get(0).describe()
                        : "Rent "
                            + replicas
                            + " machines in parallel, from "
                            + top.get(0).describe()));
      }
    } catch (OrchestrateException e) {
      notes.add(
          "offers not searched: " + e.getMessage() + e.hint().map(h -> " (" + h + ")").orElse(""));
    }
    return new Plan(base.profile(), base.target(), steps, notes);
  }

  private static int indexOf(List<PlannedStep> steps, StepId id) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).id().equals(id.id())) {
        return i;
      }
    }
    throw new IllegalStateException("no " + id + " step");
  }
}
