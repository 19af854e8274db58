/*
 * The review ticket state machine of package oversight (review.go,
 * expiry.go, contest.go), checked with Spin:
 *
 *   spin -a ticket.pml && gcc -O2 -DSAFETY -DMEMLIM=1024 -o pan pan.c && ./pan
 *
 * Abstractions: NR reviewers (reviewer 0 submitted the decision), REQ
 * agreeing reviewers needed (FourEyes on a high-risk system), LEVELS
 * deadlines; time is a process that may let the current deadline pass
 * at any moment; the fail-safe (deny or hold) is chosen at the start.
 * Each store update (Store.Update, Store.Create) is one atomic step, as
 * the stores guarantee; what the Gate reads before it (Contest's lookup)
 * is a separate step, so other processes may move in between.
 *
 * Checked (assertions, plus invalid end states):
 *  1. a ticket resolves only when REQ distinct reviewers cast the same
 *     choice at the ticket's current level, and nobody else at that level
 *     disagrees;
 *  2. no ticket is resolved (or expired) twice;
 *  3. no vote is accepted, and nothing resolves, after the current
 *     level's deadline has passed, except on an overdue ticket under the
 *     hold fail-safe (held until a reviewer acts, by design);
 *  4. no reviewer of the decision (nor its submitter) votes on a contest
 *     of it, and no reviewer votes on two contests of it;
 *  5. at most one contest of the decision is open at any time.
 */

#ifndef NR
#define NR      4   /* reviewers 0..NR-1; 0 is the submitter */
#endif
#define REQ     2   /* agreeing distinct reviewers needed */
#define LEVELS  2   /* deadlines configured */
#define NC      2   /* contests modelled */

/* -DBYPASS models the code before the fix (one rejection resolved the
 * ticket whatever the other votes); Spin must then find a violation. */

mtype = { PENDING, OVERDUE, RESOLVED, EXPIRED };
mtype = { APPROVE, REJECT, OVR1, OVR2 };

bool failSafeHold;

/* the review ticket */
mtype state = PENDING;
byte  level = 0;
bool  due = false;          /* the current level's deadline has passed */
bool  voted[NR];
byte  vlevel[NR];
mtype vch[NR];
byte  closings = 0;         /* resolutions + expiries */

/* contests: created[k] is Store.Create of the k-th derived contest ID */
bool  created[NC];
bool  copen[NC];
byte  linked = 0;           /* length of the root ticket's Contests list */
bool  cvoted[NR];           /* voted on some contest */
byte  nopen = 0;

inline act(r, ch) {
	d_step {
		if
		:: (state == PENDING || state == OVERDUE) && !(state == PENDING && due) && r != 0 && !voted[r] ->
			assert(!due || (failSafeHold && state == OVERDUE));
			voted[r] = true; vlevel[r] = level; vch[r] = ch;
			i = 0; agree = 0; conflict = false;
			do
			:: i < NR ->
				if
				:: voted[i] && vlevel[i] == level && vch[i] == ch -> agree++
				:: voted[i] && vlevel[i] == level && vch[i] != ch -> conflict = true
				:: else -> skip
				fi;
				i++
			:: else -> break
			od;
#ifdef BYPASS
			if
			:: ch == REJECT -> conflict = false; agree = REQ
			:: else -> skip
			fi;
#endif
			if
			:: conflict -> level++; state = PENDING; due = false
			:: !conflict && agree >= REQ ->
				/* property 1, from the votes alone */
				i = 0; same = 0;
				do
				:: i < NR ->
					if
					:: voted[i] && vlevel[i] == level && vch[i] == ch && i != 0 -> same++
					:: voted[i] && vlevel[i] == level && vch[i] != ch -> assert(false)
					:: else -> skip
					fi;
					i++
				:: else -> break
				od;
				assert(same >= REQ);
				state = RESOLVED; closings++
			:: else -> skip
			fi;
		:: else -> skip /* refused: nothing changes */
		fi;
		i = 0; agree = 0; same = 0; conflict = false; ch = 0;
		assert(closings <= 1)   /* property 2 */
	}
}

/* the deadline of the current level passes; Sweep/Await/Status expire */
proctype Clock() {
end:	/* waiting on an overdue ticket is a valid end: held until a reviewer acts */
	do
	:: atomic { state == PENDING && !due -> due = true }
	:: atomic { state == PENDING && due ->
		if
		:: level + 1 < LEVELS -> level++; due = false
		:: else ->
			if
			:: failSafeHold -> state = OVERDUE
			:: else -> state = EXPIRED; closings++
			fi
		fi;
		assert(closings <= 1) }
	:: state == RESOLVED || state == EXPIRED -> break
	od
}

/* A reviewer votes on the review ticket (or abstains), then may vote on
 * a contest of the decision; excluded from contests are the decision's
 * reviewers, its submitter and the reviewers of earlier contests. */
proctype Reviewer(byte r) {
	byte i, agree, same, k;
	bool conflict;
	mtype ch;
	if
	:: ch = APPROVE
	:: ch = REJECT
	:: ch = OVR1
	:: ch = OVR2
	:: goto contest
	fi;
	act(r, ch);
contest:
	if
	:: skip
	:: d_step { (copen[0] || copen[1]) ->
		if
		:: copen[0] -> k = 0
		:: else -> k = 1
		fi;
		if
		:: !voted[r] && r != 0 && !cvoted[r] ->
			assert(!voted[r] && r != 0);   /* property 4 */
			cvoted[r] = true; copen[k] = false; nopen--
		:: else -> skip /* refused: ErrForbidden or ErrAlreadyActed */
		fi;
		k = 0 }
	fi;
	i = 0; agree = 0; same = 0; conflict = false; ch = 0
}

/* The affected person contests once the ticket is resolved: look up the
 * root ticket (list length, probe the next derived ID), then Create the
 * contest with the derived ID, then list it. */
proctype Contester() {
	byte n;
end:	/* a ticket held overdue forever is never contested */
	state == RESOLVED || state == EXPIRED;
	atomic {
		n = linked;
		if
		:: n > 0 && copen[n-1] -> goto refused               /* the last listed contest is open */
		:: n < NC && created[n] && copen[n] -> goto refused   /* ErrAlreadyContested */
		:: n < NC && created[n] && !copen[n] -> n++           /* unlisted but closed */
		:: else -> skip
		fi
	}
	atomic {
		if
		:: n < NC && !created[n] ->
			created[n] = true; copen[n] = true; nopen++;
			assert(nopen <= 1)   /* property 5 */
		:: else -> goto refused  /* ErrTicketExists: ErrAlreadyContested */
		fi
	}
	atomic { if :: linked <= n -> linked = n + 1 :: else -> skip fi }
refused:
	skip
}

init {
	if
	:: failSafeHold = true
	:: failSafeHold = false
	fi;
	atomic {
		run Clock();
		byte r = 0;
		do
		:: r < NR -> run Reviewer(r); r++
		:: else -> break
		od;
		run Contester(); run Contester()
	}
}
