"""Creative-product jury (division D): a team uploads its product, the organiser sets a rubric and
assigns jurors, jurors grade blind under an anonymous code, the chair settles entries whose jurors
differ by more than the margin. `scoring.final_scores(round_id)` is what the rest of contests reads."""
