"""gonghui: an API backend for running a trade union (工会)."""
