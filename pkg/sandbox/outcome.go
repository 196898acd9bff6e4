package sandbox

import (
	"fmt"
	"math/rand/v2"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Outcome is how a message's life ends, in words common to every provider;
// each provider maps it to its own statuses and error codes.
type Outcome string

const (
	OutcomeDelivered   Outcome = "delivered"
	OutcomeFailed      Outcome = "failed"      // never left the provider
	OutcomeUndelivered Outcome = "undelivered" // sent, the handset was not reached
	OutcomeExpired     Outcome = "expired"     // its validity ran out
	OutcomeRejected    Outcome = "rejected"    // refused by the carrier or a filter
	OutcomeNoFinal     Outcome = "no_final"    // sent, and no final report ever comes
)

// Outcomes lists every outcome, for help and errors.
var Outcomes = []Outcome{OutcomeDelivered, OutcomeFailed, OutcomeUndelivered, OutcomeExpired, OutcomeRejected, OutcomeNoFinal}

// ParseOutcome reads an outcome's name.
func ParseOutcome(s string) (Outcome, error) {
	for _, o := range Outcomes {
		if strings.EqualFold(s, string(o)) {
			return o, nil
		}
	}
	names := make([]string, len(Outcomes))
	for i, o := range Outcomes {
		names[i] = string(o)
	}
	return "", fmt.Errorf("unknown status %q: use %s", s, strings.Join(names, ", "))
}

// MagicNumbers are the endings of a recipient's number that choose its
// outcome; any other number is delivered.
var MagicNumbers = []struct {
	Suffix  string
	Outcome Outcome
}{
	{"0001", OutcomeFailed},
	{"0002", OutcomeUndelivered},
	{"0003", OutcomeExpired},
	{"0004", OutcomeRejected},
	{"0005", OutcomeNoFinal},
}

// magicOutcome is the outcome a number's ending chooses, if any.
func magicOutcome(to string) (Outcome, string, bool) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, to)
	for _, m := range MagicNumbers {
		if strings.HasSuffix(digits, m.Suffix) {
			return m.Outcome, m.Suffix, true
		}
	}
	return "", "", false
}

// Rule gives the messages it matches an outcome (the config file's
// sandbox.rules).
type Rule struct {
	// To is a number or a pattern where * matches any run of characters.
	To string
	// Provider, when set, limits the rule to one provider.
	Provider string
	Outcome  Outcome
	// Error replaces the provider's error code for the outcome.
	Error string
}

func (r Rule) matches(providerName, to string) bool {
	if r.Provider != "" && !strings.EqualFold(r.Provider, providerName) {
		return false
	}
	// path.Match's * stops at '/', which a phone number never holds; its
	// other metacharacters are escaped so that only * is special.
	pattern := strings.NewReplacer(`\`, `\\`, `?`, `\?`, `[`, `\[`).Replace(r.To)
	ok, err := path.Match(pattern, to)
	return err == nil && ok
}

// Chaos are the probabilities (0 to 1) of the things that go wrong with
// real providers' callbacks.
type Chaos struct {
	Fail       float64 // the message fails instead of being delivered
	Duplicate  float64 // the final callback is sent twice
	OutOfOrder float64 // the final callback comes before the earlier ones
	Late       float64 // the final callback comes LateFactor × later
}

// LateFactor is how much later a late callback comes than it would.
const LateFactor = 10

// ParseChaos reads "fail=0.1,duplicate=0.05,out-of-order=0.1,late=0.05";
// a bare number sets every probability.
func ParseChaos(s string) (Chaos, error) {
	var c Chaos
	if s == "" {
		return c, nil
	}
	if p, err := strconv.ParseFloat(s, 64); err == nil {
		if p < 0 || p > 1 {
			return c, fmt.Errorf("--chaos %s: a probability is between 0 and 1", s)
		}
		return Chaos{p, p, p, p}, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		p, err := strconv.ParseFloat(value, 64)
		if !ok || err != nil || p < 0 || p > 1 {
			return c, fmt.Errorf("--chaos %q: write NAME=P with P between 0 and 1, e.g. fail=0.1,duplicate=0.05,out-of-order=0.1,late=0.05", s)
		}
		switch strings.ToLower(name) {
		case "fail", "failure":
			c.Fail = p
		case "duplicate", "dup":
			c.Duplicate = p
		case "out-of-order", "reorder", "order":
			c.OutOfOrder = p
		case "late":
			c.Late = p
		default:
			return c, fmt.Errorf("--chaos: unknown %q: use fail, duplicate, out-of-order and late", name)
		}
	}
	return c, nil
}

// IsZero says no chaos was asked for.
func (c Chaos) IsZero() bool { return c == Chaos{} }

// Step is one status report of a message's life.
type Step struct {
	// Status is the provider's own word for it (Twilio "sent").
	Status string `json:"status"`
	// Final marks the message's last status.
	Final bool `json:"final,omitempty"`
	// Error is the provider's error code, for failures.
	Error string `json:"error,omitempty"`
	// After is the wait since the step before (the message's acceptance
	// for the first).
	After time.Duration `json:"-"`
	// Duplicate marks a second copy of a callback (chaos).
	Duplicate bool `json:"duplicate,omitempty"`
	// Silent steps change the message's status with no callback: the
	// provider reports only some statuses (Dexatel: the final one).
	Silent bool `json:"silent,omitempty"`
}

// Plan is what will happen to a message, decided when it is accepted.
type Plan struct {
	Outcome Outcome
	// Reason says what chose the outcome: "default", "magic number 0001",
	// "rule +44*", "chaos".
	Reason string
	Steps  []Step
	// Chaos lists what chaos did: duplicate, out-of-order, late.
	Chaos []string
	// Reply is the recipient's answer once delivered (sandbox.replies).
	Reply *PlannedReply
}

// planner decides each message's plan from the rules, the magic numbers and
// seeded chaos: message number n's plan depends only on the seed, n and the
// message, so a run with a seed repeats exactly.
type planner struct {
	rules   []Rule
	replies []AutoReply
	chaos   Chaos
	seed    uint64
	latency time.Duration
}

func (p *planner) plan(seq uint64, api providerAPI, to, text string) Plan {
	rng := rand.New(rand.NewPCG(p.seed, seq))
	// Every message draws the same numbers in the same order, whatever
	// decides its outcome, so that one message's rule does not shift the
	// chaos of those after it.
	rFail, rDup, rOrder, rLate := rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()

	pl := Plan{Outcome: OutcomeDelivered, Reason: "default"}
	errCode := ""
	switch rule, ok := p.rule(api.name(), to); {
	case ok:
		pl.Outcome, pl.Reason, errCode = rule.Outcome, "rule "+rule.To, rule.Error
	default:
		if o, suffix, ok := magicOutcome(to); ok {
			pl.Outcome, pl.Reason = o, "magic number …"+suffix
		} else if rFail < p.chaos.Fail {
			pl.Outcome, pl.Reason = OutcomeFailed, "chaos"
		}
	}
	steps := api.lifecycle(pl.Outcome)
	for i := range steps {
		steps[i].After = p.delay(rng)
		if steps[i].Final && errCode != "" && steps[i].Error != "" {
			steps[i].Error = errCode
		}
	}
	last := len(steps) - 1
	if last >= 0 && steps[last].Final {
		if rLate < p.chaos.Late {
			steps[last].After *= LateFactor
			pl.Chaos = append(pl.Chaos, "late")
		}
		if last > 0 && !steps[0].Silent && rOrder < p.chaos.OutOfOrder {
			final := steps[last]
			final.After = steps[0].After
			steps[0].After = p.delay(rng)
			steps = append([]Step{final}, steps[:last]...)
			last = 0
			pl.Chaos = append(pl.Chaos, "out-of-order")
		}
		if rDup < p.chaos.Duplicate {
			dup := steps[last]
			dup.Duplicate, dup.After = true, p.delay(rng)/4
			steps = append(steps[:last+1], append([]Step{dup}, steps[last+1:]...)...)
			pl.Chaos = append(pl.Chaos, "duplicate")
		}
	}
	pl.Steps = steps
	pl.Reply = p.reply(seq, pl.Outcome, api, to, text)
	return pl
}

// delay is one step's wait: the latency, jittered by ±50%.
func (p *planner) delay(rng *rand.Rand) time.Duration {
	if p.latency <= 0 {
		return 0
	}
	return p.latency/2 + time.Duration(rng.Int64N(int64(p.latency)+1))
}

func (p *planner) rule(providerName, to string) (Rule, bool) {
	for _, r := range p.rules {
		if r.matches(providerName, to) {
			return r, true
		}
	}
	return Rule{}, false
}

// AutoReply makes the recipient of a delivered message it matches answer
// (the config file's sandbox.replies): "reply STOP to every offer".
type AutoReply struct {
	// To is a number or a pattern where * matches any run of characters;
	// empty matches every number.
	To string
	// Provider, when set, limits the rule to one provider.
	Provider string
	// Text, when set, must match the app's text.
	Text *regexp.Regexp
	// Reply is the recipient's answer.
	Reply string
	// After is the wait between the delivery and the answer; 0 waits the
	// latency, jittered as a step is (seeded).
	After time.Duration
}

func (r AutoReply) matches(providerName, to, text string) bool {
	if r.To != "" && !(Rule{To: r.To, Provider: r.Provider}).matches(providerName, to) {
		return false
	}
	if r.Provider != "" && !strings.EqualFold(r.Provider, providerName) {
		return false
	}
	return r.Text == nil || r.Text.MatchString(text)
}

// PlannedReply is the answer a message will get, decided when it is accepted.
type PlannedReply struct {
	Text  string        `json:"text"`
	After time.Duration `json:"-"`
}

// reply plans the answer to message number seq, if a rule asks for one.
// Only a delivered message is answered: a recipient never saw the others;
// and only through a provider whose inbound webhook smshook knows
// (MessageBird's SMS replies are not played).
// Its wait is drawn from its own seeded stream, so that replies do not
// shift the outcomes and chaos of a run.
func (p *planner) reply(seq uint64, outcome Outcome, api providerAPI, to, text string) *PlannedReply {
	if _, inbound := api.kinds(); outcome != OutcomeDelivered || inbound == "" {
		return nil
	}
	for _, r := range p.replies {
		if !r.matches(api.name(), to, text) {
			continue
		}
		after := r.After
		if after == 0 {
			after = p.delay(rand.New(rand.NewPCG(p.seed^replyStream, seq)))
		}
		return &PlannedReply{Text: r.Reply, After: after}
	}
	return nil
}

// replyStream separates the replies' random stream from the outcomes'.
const replyStream = 0x5245504c59 // "REPLY"
