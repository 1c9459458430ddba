// Up and Down in the question box walk through the questions asked, newest first, as in a
// terminal: only while the box is empty or still shows a recalled question, so editing is never lost.

export class QuestionRecall {
  private readonly questions: string[] = [];
  /** Index into `questions` of the question shown; questions.length when none is. */
  private at = 0;

  add(question: string): void {
    const q = question.trim();
    if (!q) return;
    if (this.questions.at(-1) !== q) this.questions.push(q);
    if (this.questions.length > 100) this.questions.shift();
    this.reset();
  }

  reset(): void {
    this.at = this.questions.length;
  }

  /** The text to show after Up (-1) or Down (+1), or undefined to leave the key to the text box. */
  step(direction: -1 | 1, current: string): string | undefined {
    const showingRecalled = this.at < this.questions.length && current === this.questions[this.at];
    if (current.trim() !== "" && !showingRecalled) return undefined;
    if (!showingRecalled) this.at = this.questions.length;
    const next = this.at + direction;
    if (next < 0 || next > this.questions.length) return undefined;
    this.at = next;
    return next === this.questions.length ? "" : this.questions[next];
  }
}
