"""Knowledge bases: turning documents into text sections and chunks with citable positions."""
